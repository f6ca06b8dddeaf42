import { harmonySpecialTokens } from './harmony-special-tokens.js';
import { decodeLlama3, type HuggingFaceBpe } from './llama3-vocabulary.js';
import {
  buildEncodingData,
  type EncodingData,
  type TiktokenRanks,
  tiktokenTokens,
  withSpecialTokens,
} from './rank-table.js';
import { decodeTekken, type TekkenFile } from './tekken-vocabulary.js';

export type { EncodingData } from './rank-table.js';

/**
 * The encodings shipped with this package: OpenAI's `o200k_base` and
 * `cl100k_base`, gpt-oss's `o200k_harmony`, Meta's Llama 3.x (`llama3`) and
 * Mistral's `tekken`.
 */
export type EncodingName = 'o200k_base' | 'cl100k_base' | 'o200k_harmony' | 'llama3' | 'tekken';

export const ENCODING_NAMES: readonly EncodingName[] = [
  'o200k_base',
  'cl100k_base',
  'o200k_harmony',
  'llama3',
  'tekken',
];

/**
 * One encoding's table as its module exports it: js-tiktoken's rank file for
 * o200k_base, cl100k_base and o200k_harmony (o200k_base's), Llama 3's
 * tokenizer.json, tekken.json. This module imports none: each table is
 * imported only by the entry point that needs it (`createTokenizer`
 * statically, `loadTokenizer` on demand), so a bundle that never counts
 * carries no table.
 */
export type RawRanks = TiktokenRanks | HuggingFaceBpe | TekkenFile;

const decoded = new Map<EncodingName, EncodingData>();

/**
 * Decodes an encoding's table once per encoding (converted at load time, in
 * one pass over its tokens). `source` must be the table of `name` (the
 * loaders pair them); o200k_harmony shares o200k_base's decoded ranks.
 */
export function decodeEncoding(name: EncodingName, source: RawRanks): EncodingData {
  const cached = decoded.get(name);
  if (cached !== undefined) return cached;
  let data: EncodingData;
  switch (name) {
    case 'o200k_base':
    case 'cl100k_base': {
      const raw = source as TiktokenRanks;
      data = buildEncodingData(name, raw.pat_str, tiktokenTokens(raw.bpe_ranks), raw.special_tokens);
      break;
    }
    case 'o200k_harmony':
      data = withSpecialTokens(decodeEncoding('o200k_base', source), name, harmonySpecialTokens());
      break;
    case 'llama3':
      data = decodeLlama3(source as HuggingFaceBpe);
      break;
    case 'tekken':
      data = decodeTekken(source as TekkenFile);
      break;
  }
  decoded.set(name, data);
  return data;
}
