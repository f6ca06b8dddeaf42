// The scanners decide each piece by the class of its first code point and
// the next one (pre-tokenizer.ts, scanCasedDispatch / scanCl100k) instead of
// trying the regex alternatives in order. This property holds that shortcut
// to the regex on the strings where the order matters most: ASCII
// punctuation (the apostrophe of the contractions, `/` after symbols),
// digits, both cases of letters, spaces, tabs and newlines, plus a few
// non-ASCII letters, marks (in P, A and B at once in o200k; a plain symbol
// in cl100k), an astral letter and symbol and a non-ASCII space — for every
// encoding, with the pattern each one's own table gives the tokenizer.
import fc from 'fast-check';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import tekken from '../src/data/tekken-240718.json' with { type: 'json' };
import { decodeEncoding, type EncodingName, type RawRanks } from '../src/encoding-data.js';
import { pieceScannerFor } from '../src/pre-tokenizer.js';
import { llama3Json } from './references.js';

const tables: Readonly<Record<EncodingName, RawRanks>> = {
  o200k_base: o200k,
  cl100k_base: cl100k,
  o200k_harmony: o200k,
  llama3: llama3Json as unknown as RawRanks,
  tekken,
};

/** Piece ends by the regex; a gap (a character in no piece) shows as a negative start. */
function regexPieces(re: RegExp, text: string): number[] {
  const out: number[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index !== last) out.push(-m.index);
    last = m.index + m[0].length;
    out.push(last);
  }
  return out;
}

function scannerPieces(scan: (text: string, p: number) => number, text: string): number[] {
  const ends: number[] = [];
  for (let p = 0; p < text.length; p = ends[ends.length - 1] as number) ends.push(scan(text, p));
  return ends;
}

const chars = (s: string): string[] => [...s];
const punctuation = fc.constantFrom(...chars('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'));
const digit = fc.constantFrom(...chars('0123456789'));
const letter = fc.constantFrom(...chars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'));
const space = fc.constantFrom(' ', ' ', '  ', '\n', '\r', '\r\n', '\t');
const nonAscii = fc.constantFrom(
  ...['é', 'É', 'ǅ', 'ʰ', 'ª', '中', 'ж', 'Ж', 'ß'], // Ll, Lu, Lt, Lm, Lo
  ...['\u0301', '\u0903', '\u20dd'], // Mn, Mc, Me
  ...['𝐀', '𝐚', '😀', '\u00a0'], // astral Lu / Ll, astral symbol, a space outside ASCII
);
/** Contraction spellings, whole, so that every case and near-miss comes up often. */
const contraction = fc.constantFrom(
  ...["'s", "'T", "'re", "'rE", "'VE", "'ll", "'Ll", "'M", "'d", "'x", "'r", "'l"],
);

const text = fc
  .array(
    fc.oneof(
      { arbitrary: punctuation, weight: 5 },
      { arbitrary: digit, weight: 2 },
      { arbitrary: letter, weight: 4 },
      { arbitrary: space, weight: 3 },
      { arbitrary: nonAscii, weight: 1 },
      { arbitrary: contraction, weight: 1 },
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe.each(Object.keys(tables) as EncodingName[])('%s: dispatching scanner', (name) => {
  const { pattern } = decodeEncoding(name, tables[name]);
  const scan = pieceScannerFor(pattern);
  const re = new RegExp(pattern, 'gu');

  it('is a scanner, not the regex fallback', () => {
    expect(scan).toBeDefined();
  });

  it('cuts the pieces of the regex on the pieces JSON and code are made of', () => {
    const scanner = scan as NonNullable<typeof scan>;
    for (const s of [
      '{"key": "value", "n": 123456, "list": [1, 2.5, -3e10]}\n',
      "  if (a[i] !== b) {\n\treturn x/y; // it's done\r\n  }\n",
      "He's 'sure' 'LL ' s '\u0301X !\u0301x  \u0301 ?/\n/ 中文, ж!",
    ]) {
      expect(scannerPieces(scanner, s), JSON.stringify(s)).toEqual(regexPieces(re, s));
    }
  });

  it('cuts exactly the pieces of the regex on random punctuation, digits, letters, spaces and marks', () => {
    const scanner = scan as NonNullable<typeof scan>;
    fc.assert(
      fc.property(text, (s) => {
        expect(scannerPieces(scanner, s)).toEqual(regexPieces(re, s));
      }),
      { numRuns: 25_000 },
    );
  });
});
