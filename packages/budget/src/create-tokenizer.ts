import { InvalidArgumentError } from '@ctxpack/block';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { sharedTokenizer } from './bpe-tokenizer.js';
import { checkEncoding } from './check-input.js';
import tekken from './data/tekken-240718.json' with { type: 'json' };
import type { EncodingName, RawRanks } from './encoding-data.js';
import { loadedTable } from './loaded-tables.js';
import type { Tokenizer } from './tokenizer.js';

// The tables, statically: the price of a synchronous call. A bundle that does
// not call createTokenizer drops this module and the tables with it. Llama 3's
// tokenizer.json is not among them: importing it costs ~0.35 s and ~60 MB of
// heap in every program that imports this package, counting or not; its
// tokenizer is handed out here once loadTokenizer('llama3') has loaded it.
const RANKS: Readonly<Partial<Record<EncodingName, RawRanks>>> = {
  o200k_base: o200kBase,
  cl100k_base: cl100kBase,
  o200k_harmony: o200kBase,
  tekken,
};

/**
 * The tokenizer of an encoding, synchronously: `o200k_base`, `cl100k_base`
 * and `o200k_harmony` on js-tiktoken's rank data, `tekken` on Mistral's
 * tekken.json, and `llama3` once `loadTokenizer('llama3')` has loaded its
 * table (before that, an `InvalidArgumentError` says so). Counts equal the
 * reference tokenizers' (js-tiktoken's `encode(text, [], [])`, gpt-tokenizer's
 * o200k_harmony, Hugging Face's Llama 3 tokenizer, mistral-common's tekken):
 * special-token text such as `<|endoftext|>` or `[INST]` inside content is
 * counted as plain text, never as the special token. One shared instance per encoding
 * (the same one `loadTokenizer` resolves to; its rank table is decoded on
 * first use). `count` and `encode` take a string of at most
 * `BUDGET_LIMITS.maxTextChars` chars, `decode` an array of at most as many
 * ids; anything else is a typed error. Work is linear in the text length,
 * even for one long run of a single character.
 *
 * This module imports the o200k_base, cl100k_base and tekken tables (about
 * 3 MB gzipped together); in a browser bundle, prefer `loadTokenizer`, which
 * fetches only the one used.
 *
 * @example
 * const tok = createTokenizer('o200k_base');
 * tok.count('hello world'); // 2
 */
export function createTokenizer(encoding: EncodingName): Tokenizer {
  checkEncoding(encoding, ['encoding']);
  const table = RANKS[encoding] ?? loadedTable(encoding);
  if (table === undefined) {
    throw new InvalidArgumentError({
      path: 'encoding',
      expected: `an encoding whose table is loaded (await loadTokenizer('${encoding}') once first)`,
      value: encoding,
    });
  }
  return sharedTokenizer(encoding, table);
}
