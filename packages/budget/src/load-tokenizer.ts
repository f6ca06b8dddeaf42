import { sharedTokenizer } from './bpe-tokenizer.js';
import { checkEncoding } from './check-input.js';
import type { EncodingName, RawRanks } from './encoding-data.js';
import type { Tokenizer } from './tokenizer.js';

// One literal `import()` per encoding, so bundlers emit each table as its own
// chunk and a page fetches only the table of the encoding it counts with.
const IMPORTS: Readonly<Record<EncodingName, () => Promise<{ default: RawRanks }>>> = {
  o200k_base: () => import('js-tiktoken/ranks/o200k_base'),
  cl100k_base: () => import('js-tiktoken/ranks/cl100k_base'),
};

const pending = new Map<EncodingName, Promise<Tokenizer>>();

/**
 * The tokenizer of an OpenAI encoding, loading only that encoding's rank
 * table (a dynamic `import()`, once per encoding; concurrent calls share
 * it). Resolves to the same shared instance as `createTokenizer(encoding)`,
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
    loading = IMPORTS[encoding]().then((module) => sharedTokenizer(encoding, module.default));
    pending.set(encoding, loading);
    loading.catch(() => pending.delete(encoding));
  }
  return loading;
}
