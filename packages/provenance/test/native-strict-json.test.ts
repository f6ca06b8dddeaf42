import {
  canonicalizeJson,
  canonicalizeStrictJson,
  digestContent,
  digestStrictJson,
  parseStrictJson,
} from '@ctxpack/provenance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinPieces, readStrictJsonNatively, reorderMembers } from '../src/native-strict-json.js';
import { parseStrictJsonInJs } from '../src/parse-strict-json.js';

type Outcome = { ok: unknown } | { error: string };
function outcome(fn: () => unknown): Outcome {
  try {
    return { ok: fn() };
  } catch (e) {
    return { error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
  }
}

/** RFC 8785 text of a value: keys sorted, no whitespace (what ctxpack's senders put on the wire). */
function canonicalSpelling(value: unknown): string {
  return canonicalizeJson(value);
}

/** Spellings of one value that differ from its canonical text in one way each. */
function spellings(value: unknown): string[] {
  const plain = JSON.stringify(value);
  const canonical = canonicalSpelling(value);
  return [
    canonical,
    plain,
    JSON.stringify(value, null, 1),
    canonical.replace(/\//g, '\\/'),
    canonical.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    canonical.replace(/\\u00([0-9a-f]{2})/g, (_, h: string) => `\\u00${h.toUpperCase()}`),
    canonical.replace(/\\n/g, '\\u000a'),
    canonical.replace(/:(\d)/g, ':$1.0'),
  ];
}

const hostileKeys = fc.constantFrom(
  '__proto__',
  '0',
  '10',
  '9',
  '01',
  'toJSON',
  'constructor',
  '',
  '\u2028',
  'é',
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(fc.oneof(hostileKeys, fc.string({ maxLength: 4 })), tie('node'), { maxKeys: 5 }),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.constantFrom('a/b', 'x\ny\t"\\', '\u0001\u001f', '😀', 9007199254740991, -0, 1e21, 1.5e-7, 0.1),
  ),
})).node;

describe('strict JSON through JSON.parse agrees with the JS parser', () => {
  it('same value and the same canonical text, for every spelling of random values', () => {
    fc.assert(
      fc.property(value, (v) => {
        for (const text of spellings(v)) {
          const js = outcome(() => parseStrictJsonInJs(text, false));
          expect(outcome(() => parseStrictJson(text))).toEqual(js);
          expect(outcome(() => canonicalizeStrictJson(text))).toEqual(
            outcome(() => parseStrictJsonInJs(text, true)),
          );
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('a canonical text is its own canonical form; every other spelling is rewritten to it', () => {
    fc.assert(
      fc.property(value, (v) => {
        const canonical = canonicalSpelling(v);
        const fast = readStrictJsonNatively(canonical, true);
        // Index-like and __proto__ names are left to the JS parser.
        if (fast !== undefined) expect(fast.canonical).toBe(canonical);
        for (const text of spellings(v).slice(1)) {
          // (A spelling change may land inside a string and make another value: compare with that value's form.)
          const read = readStrictJsonNatively(text, true);
          if (read?.canonical !== undefined)
            expect(joinPieces(read.canonical)).toBe(canonicalSpelling(JSON.parse(text)));
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('JSON.stringify output (what SDKs send) is put in order from its own slices', () => {
    const plainNames = fc.dictionary(
      fc.string({ maxLength: 6 }).filter((k) => !/[\\"\u0000-\u001f]/.test(k) && !/^[0-9]+$/.test(k)),
      // Values (strings with every escape, numbers) are free; only names stay escape-free.
      fc.oneof(
        fc.string(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string({ unit: 'grapheme' })),
      ),
      { maxKeys: 6 },
    );
    const nested = fc.array(fc.record({ role: fc.string(), content: fc.string(), extra: plainNames }), {
      maxLength: 5,
    });
    fc.assert(
      fc.property(
        fc.record({ model: fc.string(), messages: nested, tools: fc.array(plainNames) }),
        (body) => {
          const text = JSON.stringify(body);
          const reordered = reorderMembers(text);
          // Names with escapes (JSON.stringify writes none for these) would send it to JSON.stringify instead.
          expect(reordered).toBe(canonicalSpelling(body));
        },
      ),
      { numRuns: 1_000 },
    );
    expect(reorderMembers('{"b\\n":1,"a":2}')).toBeUndefined();
  });

  it('each strictness rule JSON.parse lacks is caught, and the JS parser names the error', () => {
    const cases: [string, RegExp][] = [
      ['{"a":1,"a":2}', /duplicate key "a"/],
      ['{"a":{"b":1,"b":1}}', /duplicate key "b".*a/],
      ['{"a":"x:y","a":1}', /duplicate key/],
      ['{"a":"\\":","a":1}', /duplicate key/],
      ['[9007199254740993]', /not exactly representable/],
      ['{"n":0.10000000000000000001}', /not exactly representable/],
      ['{"n":1e400}', /not exactly representable/],
      ['["\\ud800"]', /lone surrogate/],
      ['{"\\udc00":1}', /lone surrogate/],
      ['["\ud800"]', /lone surrogate/],
      [`${'['.repeat(513)}${']'.repeat(513)}`, /nesting deeper than 512/],
    ];
    for (const [text, message] of cases) {
      expect(readStrictJsonNatively(text, false)).toBeUndefined();
      expect(() => parseStrictJson(text)).toThrow(message);
      expect(() => canonicalizeStrictJson(text)).toThrow(message);
    }
    // 512 levels are allowed on both paths.
    const deep = `${'['.repeat(512)}${']'.repeat(512)}`;
    expect(readStrictJsonNatively(deep, true)?.canonical).toBe(deep);
  });

  it('backslash runs before quotes are counted, not guessed', () => {
    for (const text of ['{"a\\\\":1,"a\\\\":2}', '{"a\\\\\\"":1,"b":"\\\\\\\\"}', '{"x":"\\\\","y":"\\""}']) {
      expect(outcome(() => canonicalizeStrictJson(text))).toEqual(
        outcome(() => parseStrictJsonInJs(text, true)),
      );
      expect(outcome(() => parseStrictJson(text))).toEqual(outcome(() => parseStrictJsonInJs(text, false)));
    }
  });

  it('a toJSON planted on a prototype sends canonicalization to the JS parser', () => {
    const text = '{"b":{"c":1},"a":[2]}';
    const expected = parseStrictJsonInJs(text, true);
    (Object.prototype as { toJSON?: unknown }).toJSON = () => 'pwned';
    try {
      expect(canonicalizeStrictJson(text)).toBe(expected);
    } finally {
      delete (Object.prototype as { toJSON?: unknown }).toJSON;
    }
  });

  it('linear on hostile shapes: many strings then one backslash, many escaped quotes', () => {
    const many = `[${'"x",'.repeat(200_000)}"\\n"]`;
    expect(readStrictJsonNatively(many, true)?.canonical).toBe(many);
    const shuffled = `{${Array.from({ length: 50_000 }, (_, i) => `"k${99_999 - i}":"\\\\"`).join(',')}}`;
    expect(joinPieces(readStrictJsonNatively(shuffled, true)?.canonical ?? '')).toBe(
      canonicalSpelling(JSON.parse(shuffled)),
    );
    const quotes = `["${'\\"'.repeat(200_000)}"]`;
    expect(readStrictJsonNatively(quotes, true)?.canonical).toBe(quotes);
  });
});

describe('digestStrictJson: the digest of the canonical bytes, built without the canonical string', () => {
  it('equals digestContent(canonicalizeStrictJson(text)) for every spelling, as text and as bytes', async () => {
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        for (const text of spellings(v)) {
          const expected = outcome(() => digestContent(canonicalizeStrictJson(text)));
          const bytes = new TextEncoder().encode(text);
          for (const input of [text, bytes]) {
            let got: Outcome;
            try {
              got = { ok: await digestStrictJson(input) };
            } catch (e) {
              got = { error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
            }
            expect(got).toEqual(expected);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what parseStrictJson refuses', async () => {
    for (const text of ['{"a":1,"a":2}', '[9007199254740993]', '"\\ud800"', '{']) {
      await expect(digestStrictJson(text)).rejects.toMatchObject({ code: 'invalid_json_text' });
    }
    await expect(digestStrictJson(Uint8Array.of(0xff))).rejects.toMatchObject({ code: 'invalid_json_text' });
    await expect(digestStrictJson(42 as never)).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
