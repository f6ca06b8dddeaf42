import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Core packages run in Node, browsers, Deno, Bun and edge runtimes: no Node
// built-ins, no Node globals. Adapters, the CLI, examples and benches may.
const core = ['block', 'escape', 'provenance', 'budget', 'sign', 'serialize', 'ctxpack'];
const root = new URL('..', import.meta.url).pathname;
const forbidden = [
  /from\s+['"]node:/,
  /import\(\s*['"]node:/,
  /\brequire\(/,
  /\bBuffer\./,
  /\bprocess\.(env|argv|exit)/,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('core packages are runtime-neutral', () => {
  for (const pkg of core) {
    it(`@ctxpack/${pkg} uses no Node built-ins`, () => {
      const offenders = sources(join(root, 'packages', pkg, 'src')).flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        return forbidden.filter((re) => re.test(text)).map((re) => `${file}: ${re}`);
      });
      expect(offenders).toEqual([]);
    });

    it(`@ctxpack/${pkg} is ESM, side-effect free, with a source condition`, () => {
      const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
      expect(manifest.type).toBe('module');
      expect(manifest.sideEffects).toBe(false);
      expect(Object.keys(manifest.exports['.'])).toEqual(['@ctxpack/source', 'types', 'default']);
    });
  }
});
