import { canonicalizeJson, writeCanonicalJson } from '@ctxpack/provenance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Outcome = { ok: string } | { error: string };
const fast = (value: unknown): Outcome => {
  try {
    return { ok: canonicalizeJson(value) };
  } catch (e) {
    return { error: `${(e as { code?: string }).code} ${(e as Error).message}` };
  }
};
/** The checked serializer alone: writeCanonicalJson streams what canonicalizeJson must equal. */
const checked = (value: unknown): Outcome => {
  const parts: string[] = [];
  try {
    writeCanonicalJson(value, (chunk) => parts.push(chunk));
    return { ok: parts.join('') };
  } catch (e) {
    return { error: `${(e as { code?: string }).code} ${(e as Error).message}` };
  }
};

/** [1, <hole>, 3]. */
function holey(): unknown[] {
  const a: unknown[] = [1];
  a[2] = 3;
  return a;
}

class Point {
  x = 1;
}
const odd = fc.constantFrom<unknown>(
  undefined,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -0,
  1e21,
  5e-324,
  10n,
  Symbol('s'),
  () => 1,
  new Date(0),
  new Point(),
  new Map(),
  '\ud800',
  'a\u2028b',
  holey(),
  Object.create(null),
  { toJSON: () => 'x' },
  { toJSON: 1 },
);
const name = fc.oneof(
  fc.string({ maxLength: 5 }),
  fc.constantFrom('__proto__', '0', '10', '9', '01', '-1', 'toJSON', '\udc00', '\u{1F600}', 'é'),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    odd,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.array(fc.tuple(name, tie('node')), { maxLength: 5 }).map((entries) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of entries)
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
  ),
})).node;

describe('canonicalizeJson: one JSON.stringify of an ordered copy, equal to the checked serializer', () => {
  it('same text or same error on random values with every shape JSON.stringify treats differently', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(fast(v)).toEqual(checked(v));
      }),
      { numRuns: 3_000 },
    );
  });

  it('reads a getter or a Proxy once: what is written is what was checked', () => {
    let reads = 0;
    const tricky = {
      get a() {
        reads++;
        return reads === 1 ? 'ok' : '\ud800';
      },
    };
    expect(canonicalizeJson(tricky)).toBe('{"a":"ok"}');
    expect(reads).toBe(1);
    let gets = 0;
    const proxy = new Proxy(
      { b: 1, a: 2 },
      {
        get: (target, key) => {
          gets++;
          return gets > 2 ? undefined : Reflect.get(target, key);
        },
      },
    );
    expect(canonicalizeJson(proxy)).toBe('{"a":2,"b":1}');
  });

  it('cycles and deep nesting get the checked serializer’s errors', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(fast(cyclic)).toEqual(checked(cyclic));
    expect(fast(cyclic)).toMatchObject({ error: expect.stringContaining('cyclic') });
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = [deep];
    expect(fast(deep)).toEqual(checked(deep));
  });

  it('a toJSON planted on a prototype leaves the fast path', () => {
    (Object.prototype as { toJSON?: unknown }).toJSON = () => 'pwned';
    try {
      expect(canonicalizeJson({ b: { c: 1 }, a: [2] })).toBe('{"a":[2],"b":{"c":1}}');
    } finally {
      delete (Object.prototype as { toJSON?: unknown }).toJSON;
    }
  });
});
