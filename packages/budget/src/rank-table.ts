import { PairMemo } from './byte-pair-merge.js';

/** Decoded rank data of one encoding: what the merge, the scanner and `decode` read. */
export interface EncodingData {
  readonly name: string;
  /** Pre-tokenizer pattern in JS syntax (flags `gu`); a scanner implements the known ones. */
  readonly pattern: string;
  /** Byte string → token id. */
  readonly ranks: Map<string, number>;
  /** Token id → byte string (the inverse of `ranks`; special tokens included, for `decode`). */
  readonly tokens: string[];
  readonly specialTokens: Readonly<Record<string, number>>;
  /** Longest token, in bytes: no pair longer than this can have a rank. */
  readonly maxTokenBytes: number;
  /** Memo of pair merges by token ids, shared by every merge of this encoding. */
  readonly pairs: PairMemo;
}

/** The mergeable tokens of a table, handed to `visit` as (byte string, token id). */
export type TokenSource = (visit: (bytes: string, id: number) => void) => void;

/**
 * Builds the rank tables from a table's tokens. Ids are the model's token
 * ids; BPE needs only their order (tiktoken merges the pair whose joined
 * bytes have the lowest id), so a table whose ids are shifted past its
 * special tokens (tekken) is used as it is.
 */
export function buildEncodingData(
  name: string,
  pattern: string,
  source: TokenSource,
  specialTokens: Readonly<Record<string, number>>,
): EncodingData {
  const ranks = new Map<string, number>();
  const tokens: string[] = [];
  let maxTokenBytes = 0;
  source((bytes, id) => {
    ranks.set(bytes, id);
    tokens[id] = bytes;
    if (bytes.length > maxTokenBytes) maxTokenBytes = bytes.length;
  });
  return withSpecialTokens(
    { name, pattern, ranks, tokens, specialTokens: {}, maxTokenBytes, pairs: new PairMemo() },
    name,
    specialTokens,
  );
}

/**
 * `data` under another name with `specialTokens` added for `decode` (they
 * are never produced by `encode`: special-token text is counted as text).
 * The rank map and pair memo are shared, so o200k_harmony costs o200k_base's
 * table once; only the id → bytes array is copied.
 */
export function withSpecialTokens(
  data: EncodingData,
  name: string,
  specialTokens: Readonly<Record<string, number>>,
): EncodingData {
  const tokens = data.tokens.slice();
  const utf8 = new TextEncoder();
  for (const [text, id] of Object.entries(specialTokens)) {
    let bytes = '';
    for (const b of utf8.encode(text)) bytes += String.fromCharCode(b);
    tokens[id] = bytes;
  }
  return { ...data, name, tokens, specialTokens: Object.freeze({ ...specialTokens }) };
}

/** js-tiktoken's rank file (`js-tiktoken/ranks/<name>`), also tekken.json's `bpe_ranks` format. */
export interface TiktokenRanks {
  readonly pat_str: string;
  readonly special_tokens: Record<string, number>;
  readonly bpe_ranks: string;
}

/**
 * The tokens of js-tiktoken's compressed rank format: lines of
 * `<tag> <firstRank> <base64 token> <base64 token> …`, ranks consecutive from
 * `firstRank` (as parsed by js-tiktoken's Tiktoken constructor), each shifted
 * by `idOffset`. Tokens at or past `maxRank` (before the shift) are left out.
 */
export function tiktokenTokens(
  bpeRanks: string,
  idOffset: number = 0,
  maxRank: number = Infinity,
): TokenSource {
  return (visit) => {
    for (const line of bpeRanks.split('\n')) {
      if (line === '') continue;
      const fields = line.split(' ');
      const offset = Number.parseInt(fields[1] ?? '', 10);
      for (let i = 2; i < fields.length; i++) {
        const rank = offset + i - 2;
        if (rank >= maxRank) break;
        visit(atob(fields[i] as string), rank + idOffset);
      }
    }
  };
}
