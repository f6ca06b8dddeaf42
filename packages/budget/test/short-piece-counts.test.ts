import { createTokenizer } from '@ctxpack/budget';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import { ShortPieceCounts } from '../src/piece-cache.js';

const references = { o200k_base: new Tiktoken(o200k), cl100k_base: new Tiktoken(cl100k) } as const;

describe('ShortPieceCounts', () => {
  it('keys on the exact code units: prefixes, lone surrogates and equal lengths stay apart', () => {
    const table = new ShortPieceCounts();
    const keys = [
      'a',
      'ab',
      'abc',
      'ba',
      'a\ud800',
      'a\udc00',
      '\ud83d\ude00',
      '"',
      '":',
      '","',
      '1',
      '12',
      '123',
    ];
    const text = keys.join('');
    const ranges: [number, number][] = [];
    for (let p = 0, i = 0; i < keys.length; p += (keys[i] as string).length, i++)
      ranges.push([p, p + (keys[i] as string).length]);
    ranges.forEach(([s, e], i) => {
      expect(table.get(text, s, e)).toBe(-1);
      table.set(text, s, e, i + 1);
    });
    ranges.forEach(([s, e], i) => {
      expect(table.get(text, s, e)).toBe(i + 1);
    });
  });

  // Keys of ≤ 4 ASCII chars go to the packed-int table, longer or non-ASCII ones to the code-unit table: fill each.
  it.each([
    ['packed (ASCII, ≤ 4 chars)', (i: number) => `k${i.toString(36)}`, 1 << 13],
    ['code units (longer)', (i: number) => `key-${i}`, 1 << 14],
    ['code units (non-ASCII)', (i: number) => `é${i.toString(36)}`, 1 << 14],
  ])('%s: clears itself when half full instead of growing, and what it holds is right', (_, keyOf, half) => {
    const table = new ShortPieceCounts();
    const text = Array.from({ length: 40_000 }, (_, i) => keyOf(i)).join('|');
    const ranges: [number, number][] = [];
    for (let p = 0; p < text.length; ) {
      const bar = text.indexOf('|', p);
      const end = bar < 0 ? text.length : bar;
      ranges.push([p, end]);
      p = end + 1;
    }
    ranges.forEach(([s, e], i) => {
      table.set(text, s, e, i % 97);
    });
    let held = 0;
    ranges.forEach(([s, e], i) => {
      const n = table.get(text, s, e);
      if (n >= 0) {
        held++;
        expect(n).toBe(i % 97);
      }
    });
    expect(held).toBeGreaterThan(1000);
    expect(held).toBeLessThanOrEqual(half);
    const [s, e] = ranges[ranges.length - 1] as [number, number];
    expect(table.get(text, s, e)).toBe((ranges.length - 1) % 97);
  });
});

describe('count through the short-piece table', () => {
  // Many distinct short pieces (JSON-like keys and numbers) force the table to clear
  // several times; the first (cold) and second (warm) count must both be exact.
  const rows = Array.from(
    { length: 12_000 },
    (_, i) =>
      `{"k${i.toString(36)}":${(i * 7919) % 100_003},"v":"${i.toString(16)}é${String.fromCharCode(0x4e00 + (i % 500))}"}`,
  ).join(',\n');
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    it(`${encoding}: cold and warm counts equal js-tiktoken on 12k JSON rows`, () => {
      const ours = createTokenizer(encoding);
      const expected = references[encoding].encode(rows, [], []).length;
      expect(ours.count(rows)).toBe(expected);
      expect(ours.count(rows)).toBe(expected);
      expect(ours.encode(rows)).toHaveLength(expected);
    });
  }
});
