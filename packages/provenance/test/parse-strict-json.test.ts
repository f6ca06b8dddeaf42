import { readdirSync, readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@ctxpack/block';
import { canonicalizeJson, MAX_JSON_DEPTH, ProvenanceError, parseStrictJson } from '@ctxpack/provenance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const jcs = new URL('../../../../shared/vectors/jcs/input/', import.meta.url);

function refusal(text: string | Uint8Array): string | undefined {
  try {
    parseStrictJson(text);
    return undefined;
  } catch (e) {
    expect(ProvenanceError.isInstance(e) && e.code === 'invalid_json_text').toBe(true);
    return (e as ProvenanceError).message;
  }
}

describe('parseStrictJson', () => {
  it('reads what JSON.parse reads, for JSON that every parser reads alike', () => {
    for (const text of [
      '{"a":[1,-2,0.5,1e3,true,false,null,"x\\u00e9\\n"]}',
      ' [ ] ',
      '"\\ud83d\\ude00"',
      '-0',
      '0.1',
    ]) {
      expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      expect(parseStrictJson(new TextEncoder().encode(text))).toEqual(JSON.parse(text));
    }
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        // fast-check's -0 and doubles beyond 2^53 are the strict parser's business; skip them.
        let plain = true;
        JSON.parse(text, (_k, v) => {
          if (typeof v === 'number' && Math.abs(v) > Number.MAX_SAFE_INTEGER) plain = false;
          return v;
        });
        if (plain) expect(canonicalizeJson(parseStrictJson(text))).toBe(canonicalizeJson(JSON.parse(text)));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the RFC 8785 vectors (same canonical form as JSON.parse)', () => {
    for (const file of readdirSync(jcs)) {
      const text = readFileSync(new URL(file, jcs), 'utf8');
      let strict: unknown;
      try {
        strict = parseStrictJson(text);
      } catch {
        // values.json holds numbers beyond 2^53 on purpose; those are refused, by design.
        expect(file).toBe('values.json');
        continue;
      }
      expect(canonicalizeJson(strict)).toBe(canonicalizeJson(JSON.parse(text)));
    }
  });

  it('refuses what parsers read differently: duplicate keys, inexact numbers, lone surrogates', () => {
    expect(refusal('{"model":"evil","model":"gpt-4o"}')).toMatch(/duplicate key "model"/);
    expect(refusal('{"a":{"b":1,"b":1}}')).toMatch(/duplicate/);
    expect(refusal('{"n":9007199254740993}')).toMatch(/not exactly representable/);
    expect(refusal('{"n":-9007199254740993}')).toMatch(/not exactly representable/);
    expect(refusal('{"n":9007199254740992}')).toMatch(/not exactly representable/);
    expect(refusal('{"n":1e400}')).toMatch(/not exactly representable/);
    expect(refusal('{"n":1e-400}')).toMatch(/not exactly representable/);
    expect(refusal('{"n":0.10000000000000000001}')).toMatch(/not exactly representable/);
    expect(parseStrictJson('{"n":9007199254740991,"m":1.50,"k":1E2,"z":0.1e1}')).toEqual({
      n: 2 ** 53 - 1,
      m: 1.5,
      k: 100,
      z: 1,
    });
    expect(refusal('"\\ud800"')).toMatch(/lone surrogate/);
    expect(refusal('"a\uDC00"')).toMatch(/lone surrogate/);
    expect(refusal('{"\\udfff":1}')).toMatch(/lone surrogate/);
  });

  it('refuses what is not JSON, with the JSON path', () => {
    const bad = [
      '',
      ' ',
      '{',
      '{"a":1,}',
      '[1,]',
      "{'a':1}",
      'NaN',
      '01',
      '1.',
      '.5',
      '+1',
      '"\t"',
      '"\\x41"',
      'tru',
      'nulll',
      '{"a" 1}',
      '[1 2]',
      '"abc',
      '{"a":1}{',
    ];
    for (const text of bad) expect(refusal(text), JSON.stringify(text)).toBeDefined();
    try {
      parseStrictJson('{"messages":[{"role":"user"},{"content":1e999}]}');
    } catch (e) {
      expect((e as ProvenanceError).path).toBe('messages[1].content');
    }
    expect(refusal(new Uint8Array([0x22, 0xc3, 0x28, 0x22]))).toMatch(/not UTF-8/);
    expect(refusal(new Uint8Array([0xef, 0xbb, 0xbf, 0x31]))).toMatch(/byte-order mark/);
    expect(refusal('\uFEFF1')).toMatch(/byte-order mark/);
  });

  it('bounds nesting and size, and keeps "__proto__" as data', () => {
    expect(parseStrictJson(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBeDefined();
    expect(refusal(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toMatch(/deeper/);
    expect(refusal('['.repeat(100_000))).toMatch(/deeper/);
    const parsed = parseStrictJson('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(() => parseStrictJson(42 as never)).toThrow(InvalidArgumentError);
  });
});
