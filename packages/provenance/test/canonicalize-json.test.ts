import { readdirSync, readFileSync } from 'node:fs';
import { canonicalizeJson, MAX_JSON_DEPTH, ProvenanceError } from '@ctxpack/provenance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const jcsDir = new URL('../../../../shared/vectors/jcs/', import.meta.url);

describe('canonicalizeJson: RFC 8785 vectors', () => {
  const names = readdirSync(new URL('input/', jcsDir)).filter((n) => n.endsWith('.json'));
  it('finds the vectors', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });
  for (const name of names) {
    it(name, () => {
      const input = JSON.parse(readFileSync(new URL(`input/${name}`, jcsDir), 'utf8'));
      const expected = readFileSync(new URL(`output/${name}`, jcsDir), 'utf8').replace(/\n$/, '');
      expect(canonicalizeJson(input)).toBe(expected);
    });
  }
});

describe('canonicalizeJson: values JSON cannot hold', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic['self'] = cyclic;
  let deep: unknown = 0;
  for (let i = 0; i <= MAX_JSON_DEPTH; i++) deep = [deep];
  const cases: [string, unknown, string][] = [
    ['undefined', undefined, '(root)'],
    ['undefined property', { a: { b: undefined } }, 'a.b'],
    ['function', { f: () => 1 }, 'f'],
    ['symbol', [Symbol('x')], '[0]'],
    ['BigInt', { n: 10n }, 'n'],
    ['NaN', { x: [1, Number.NaN] }, 'x[1]'],
    ['Infinity', Number.POSITIVE_INFINITY, '(root)'],
    ['-Infinity', { 'odd key': Number.NEGATIVE_INFINITY }, '"odd key"'],
    ['lone high surrogate', { s: 'a\uD800b' }, 's'],
    ['lone low surrogate', ['\uDC00'], '[0]'],
    ['lone surrogate in a key', { '\uD83D': 1 }, '"\\ud83d"'],
    ['cycle', cyclic, 'self'],
    ['Date', { d: new Date(0) }, 'd'],
    ['Map', new Map(), '(root)'],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    ['sparse array', [1, , 3], '[1]'],
  ];
  for (const [name, value, path] of cases) {
    it(`rejects ${name} with its path`, () => {
      let caught: unknown;
      try {
        canonicalizeJson(value);
      } catch (e) {
        caught = e;
      }
      expect(ProvenanceError.isInstance(caught)).toBe(true);
      expect((caught as ProvenanceError).code).toBe('invalid_json_value');
      expect((caught as ProvenanceError).path).toBe(path);
    });
  }
  it('rejects nesting deeper than the limit without a stack overflow', () => {
    expect(() => canonicalizeJson(deep)).toThrow(/deeper than/);
  });
  it('accepts a shared (non-cyclic) reference and a null-prototype object', () => {
    const shared = { x: 1 };
    const bare = Object.create(null) as Record<string, unknown>;
    bare['b'] = 2;
    bare['a'] = 1;
    expect(canonicalizeJson({ p: shared, q: shared, r: bare })).toBe(
      '{"p":{"x":1},"q":{"x":1},"r":{"a":1,"b":2}}',
    );
  });
  it('writes -0 as 0 and large numbers in ECMAScript form', () => {
    expect(canonicalizeJson([-0, 1e21, 1e-7, 0.1 + 0.2, 2 ** 53])).toBe(
      '[0,1e+21,1e-7,0.30000000000000004,9007199254740992]',
    );
  });
});

describe('canonicalizeJson: properties', () => {
  it('is a fixed point: parse(canonical) canonicalizes to the same string', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalizeJson(value);
        expect(canonicalizeJson(JSON.parse(once))).toBe(once);
      }),
    );
  });
  it('agrees with JSON.stringify on values (only the key order and spelling differ)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalizeJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
