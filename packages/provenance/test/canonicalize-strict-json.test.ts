import {
  canonicalizeJson,
  canonicalizeStrictJson,
  ProvenanceError,
  parseStrictJson,
} from '@ctxpack/provenance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The two-pass reference: what canonicalizeStrictJson must equal, error for error. */
function reference(text: string | Uint8Array): { ok: string } | { error: string } {
  try {
    return { ok: canonicalizeJson(parseStrictJson(text)) };
  } catch (e) {
    return { error: `${(e as ProvenanceError).code}: ${(e as Error).message}` };
  }
}
function fused(text: string | Uint8Array): { ok: string } | { error: string } {
  try {
    return { ok: canonicalizeStrictJson(text) };
  } catch (e) {
    return { error: `${(e as ProvenanceError).code}: ${(e as Error).message}` };
  }
}

/** Other spellings of the same JSON: indentation, `\/`, every non-ASCII unit as `\uXXXX`. */
function spellings(value: unknown): string[] {
  const plain = JSON.stringify(value);
  const escaped = plain.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return [plain, JSON.stringify(value, null, 2), plain.replace(/\//g, '\\/'), escaped];
}

describe('canonicalizeStrictJson: one pass, equal to canonicalizeJson(parseStrictJson(text))', () => {
  it('fixed cases (RFC 8785 §3.2.2.3 numbers, key order by UTF-16 code units, escapes)', () => {
    const cases: [string, string][] = [
      ['{ "b": 1, "a": [true, 1e2, null] }', '{"a":[true,100,null],"b":1}'],
      ['[1.0, -0, 0.000001, 1.5e3, 1E-7, 123456789012345]', '[1,0,0.000001,1500,1e-7,123456789012345]'],
      ['{"\\u20ac":1,"\\r":2,"\\ud83d\\ude00":3,"1":4,"":5}', '{"":5,"\\r":2,"1":4,"€":1,"😀":3}'],
      ['"a\\/b\\u0041\\u001f"', '"a/bA\\u001f"'],
      [' \n\t"x" ', '"x"'],
    ];
    for (const [text, canonical] of cases) {
      expect(canonicalizeStrictJson(text)).toBe(canonical);
      expect(reference(text)).toEqual({ ok: canonical });
    }
  });

  it('equal to the two-pass form on random JSON in several spellings', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        for (const text of spellings(value)) expect(fused(text)).toEqual(reference(text));
        expect(fused(new TextEncoder().encode(spellings(value)[0] as string))).toEqual(
          reference(new TextEncoder().encode(spellings(value)[0] as string)),
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses exactly what parseStrictJson refuses, with the same error', () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc
        .json()
        .chain((t) => fc.nat({ max: Math.max(0, t.length - 1) }).map((i) => t.slice(0, i) + t.slice(i + 1))),
      fc.constantFrom(
        '{"a":1,"a":2}',
        '{"a":1,"\\u0061":2}',
        '9007199254740993',
        '0.10000000000000000001',
        '"\\ud800"',
        '"\ud800"',
        '[1,]',
        '{"__proto__":1,"__proto__":2}',
        `${'['.repeat(513)}${']'.repeat(513)}`,
        '\ufeff{}',
      ),
    );
    fc.assert(
      fc.property(hostile, (text) => {
        expect(fused(text)).toEqual(reference(text));
      }),
      { numRuns: 3_000 },
    );
  });

  it('bad input type is invalid_argument, as for parseStrictJson', () => {
    expect(() => canonicalizeStrictJson(42 as never)).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    expect(() => canonicalizeStrictJson(Uint8Array.of(0xff))).toThrow(ProvenanceError);
  });
});
