import type { EncodingName, RawRanks } from './encoding-data.js';

/**
 * Tables that `loadTokenizer` has imported, so that `createTokenizer` can
 * hand out, synchronously, the tokenizer of an encoding whose table it does
 * not import statically (llama3).
 */
const tables = new Map<EncodingName, RawRanks>();

export function rememberTable(encoding: EncodingName, table: RawRanks): void {
  tables.set(encoding, table);
}

export function loadedTable(encoding: EncodingName): RawRanks | undefined {
  return tables.get(encoding);
}
