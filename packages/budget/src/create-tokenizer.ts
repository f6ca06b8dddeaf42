import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { sharedTokenizer } from './bpe-tokenizer.js';
import { checkEncoding } from './check-input.js';
import type { EncodingName, RawRanks } from './encoding-data.js';
import type { Tokenizer } from './tokenizer.js';

// Both tables, statically: the price of a synchronous call. A bundle that does
// not call createTokenizer drops this module and the tables with it.
const RANKS: Readonly<Record<EncodingName, RawRanks>> = { o200k_base: o200kBase, cl100k_base: cl100kBase };

/**
 * The tokenizer of an OpenAI encoding, built on js-tiktoken's rank data,
 * synchronously. Counts equal js-tiktoken's `encode(text, [], [])`:
 * special-token text such as `<|endoftext|>` inside content is counted as
 * plain text, never as the special token. One shared instance per encoding
 * (the same one `loadTokenizer` resolves to; its rank table is decoded on
 * first use). `count` and `encode` take a string of at most
 * `BUDGET_LIMITS.maxTextChars` chars, `decode` an array of at most as many
 * ids; anything else is a typed error. Work is linear in the text length,
 * even for one long run of a single character.
 *
 * This module imports both rank tables (about 2 MB gzipped together); in a
 * browser bundle, prefer `loadTokenizer`, which fetches only the one used.
 *
 * @example
 * const tok = createTokenizer('o200k_base');
 * tok.count('hello world'); // 2
 */
export function createTokenizer(encoding: EncodingName): Tokenizer {
  checkEncoding(encoding, ['encoding']);
  return sharedTokenizer(encoding, RANKS[encoding]);
}
