import { PairMemo } from './byte-pair-merge.js';

/** The encodings shipped with this package. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

export const ENCODING_NAMES: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

/** Decoded rank data of one encoding. */
export interface EncodingData {
  readonly name: EncodingName;
  /** Pre-tokenizer pattern, verbatim from js-tiktoken (flags `gu`). */
  readonly pattern: string;
  /** Byte string → rank. */
  readonly ranks: Map<string, number>;
  /** Rank → byte string (the inverse of `ranks`; special tokens included). */
  readonly tokens: string[];
  readonly specialTokens: Readonly<Record<string, number>>;
  /** Longest token, in bytes: no pair longer than this can have a rank. */
  readonly maxTokenBytes: number;
  /** Memo of pair merges by token ids, shared by every merge of this encoding. */
  readonly pairs: PairMemo;
}

/**
 * One encoding's rank file as js-tiktoken ships it (`js-tiktoken/ranks/<name>`).
 * This module imports none: each table is imported only by the entry point
 * that needs it (`createTokenizer` both, statically; `loadTokenizer` one, on
 * demand), so a bundle that never counts carries no table.
 */
export interface RawRanks {
  readonly pat_str: string;
  readonly special_tokens: Record<string, number>;
  readonly bpe_ranks: string;
}

const decoded = new Map<EncodingName, EncodingData>();

/**
 * Decodes js-tiktoken's compressed rank file once per encoding. The format is
 * lines of `<tag> <firstRank> <base64 token> <base64 token> …`, ranks
 * consecutive from `firstRank` (as parsed by js-tiktoken's Tiktoken constructor).
 */
export function decodeEncoding(name: EncodingName, source: RawRanks): EncodingData {
  const cached = decoded.get(name);
  if (cached !== undefined) return cached;
  const ranks = new Map<string, number>();
  const tokens: string[] = [];
  let maxTokenBytes = 0;
  for (const line of source.bpe_ranks.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const offset = Number.parseInt(fields[1] ?? '', 10);
    for (let i = 2; i < fields.length; i++) {
      const bytes = atob(fields[i] as string);
      const rank = offset + i - 2;
      ranks.set(bytes, rank);
      tokens[rank] = bytes;
      if (bytes.length > maxTokenBytes) maxTokenBytes = bytes.length;
    }
  }
  const utf8 = new TextEncoder();
  for (const [text, rank] of Object.entries(source.special_tokens)) {
    tokens[rank] = String.fromCharCode(...utf8.encode(text));
  }
  const data: EncodingData = {
    name,
    pattern: source.pat_str,
    ranks,
    tokens,
    specialTokens: Object.freeze({ ...source.special_tokens }),
    maxTokenBytes,
    pairs: new PairMemo(),
  };
  decoded.set(name, data);
  return data;
}
