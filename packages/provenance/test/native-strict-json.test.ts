import { canonicalizeJson, canonicalizeStrictJson, parseStrictJson } from '@ctxpack/provenance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readStrictJsonNatively } from '../src/native-strict-json.js';
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

  it('a text spelled canonically is returned as is; any other spelling is rewritten', () => {
    fc.assert(
      fc.property(value, (v) => {
        const canonical = canonicalSpelling(v);
        const fast = readStrictJsonNatively(canonical, true);
        // Index-like and __proto__ names are left to the JS parser.
        if (fast !== undefined) expect(fast.canonicalText).toBe(canonical);
        for (const text of spellings(v).slice(1)) {
          const read = readStrictJsonNatively(text, true);
          // (A spelling change may land inside a string and make another value: compare with that value's form.)
          if (read?.canonicalText !== undefined) expect(text).toBe(canonicalSpelling(JSON.parse(text)));
        }
      }),
      { numRuns: 2_000 },
    );
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
    expect(readStrictJsonNatively(deep, true)?.canonicalText).toBe(deep);
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
    expect(readStrictJsonNatively(many, true)?.canonicalText).toBe(many);
    const quotes = `["${'\\"'.repeat(200_000)}"]`;
    expect(readStrictJsonNatively(quotes, true)?.canonicalText).toBe(quotes);
  });
});
