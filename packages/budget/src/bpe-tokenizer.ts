import { BudgetLimitError } from './budget-limit-error.js';
import { mergeLongPiece, mergePiece } from './byte-pair-merge.js';
import { checkText, invalidInput, overLimit } from './check-input.js';
import { decodeEncoding, type EncodingData, type EncodingName, type RawRanks } from './encoding-data.js';
import { BUDGET_LIMITS } from './limits.js';
import { PieceCache, ShortPieceCounts } from './piece-cache.js';
import { type PieceScanner, pieceScannerFor } from './pre-tokenizer.js';
import { type NativeOps, setNativeOps, type Tokenizer } from './tokenizer.js';
import { isAscii, toByteString, toBytes, utf8Width } from './utf8.js';

/** A piece's tokens: a single id (the common case, no allocation) or several. */
type PieceTokens = number | readonly number[];

/** Entries per cache generation; pieces are short, so this is a few MB at most. */
const PIECE_CACHE_CAPACITY = 32_768;
/** Longer pieces are rare and expensive to keep; they are merged each time (near-linear anyway). */
const MAX_CACHED_PIECE_CHARS = 128;

/** UTF-8 bytes `decode` produces at most: the encoding of the longest text `encode` accepts. */
const MAX_DECODED_BYTES = 4 * BUDGET_LIMITS.maxTextChars;

const instances = new Map<EncodingName, Tokenizer>();

/**
 * The one shared tokenizer of `name`, built on `ranks` (its rank data is
 * decoded on first use). Both entry points, the synchronous `createTokenizer`
 * and the per-encoding `loadTokenizer`, come here, so they hand out the same
 * instance and share its piece cache.
 */
export function sharedTokenizer(name: EncodingName, ranks: RawRanks): Tokenizer {
  const existing = instances.get(name);
  if (existing !== undefined) return existing;
  const tokenizer = new BpeTokenizer(name, ranks);
  instances.set(name, tokenizer);
  setNativeOps(tokenizer, tokenizer);
  return tokenizer;
}

class BpeTokenizer implements Tokenizer, NativeOps {
  readonly encoding: EncodingName;
  private readonly ranks: RawRanks;
  private dataCache: EncodingData | undefined;
  private scanCache: PieceScanner | undefined;
  private readonly pieces = new PieceCache<PieceTokens>(PIECE_CACHE_CAPACITY);
  /** Counts of short pieces read in place (no substring): the counting hot path on JSON and code. */
  private readonly shortCounts = new ShortPieceCounts();
  // ignoreBOM: a text that starts with U+FEFF is encoded with its token (o200k 5574); decode must give it back.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(encoding: EncodingName, ranks: RawRanks) {
    this.encoding = encoding;
    this.ranks = ranks;
  }

  private get data(): EncodingData {
    this.dataCache ??= decodeEncoding(this.encoding, this.ranks);
    return this.dataCache;
  }

  /** The encoding's pre-tokenizer (a scanner; the regex only for a pattern the scanner does not implement). */
  private scanner(): PieceScanner {
    this.scanCache ??= pieceScannerFor(this.data.pattern) ?? regexScanner(this.data.pattern);
    return this.scanCache;
  }

  private piece(piece: string): PieceTokens {
    // Warm path first: one lookup for any piece seen recently, single- or multi-token.
    const hit = this.pieces.get(piece);
    if (hit !== undefined) return hit;
    if (piece.length > MAX_CACHED_PIECE_CHARS) {
      const out: number[] = [];
      mergeLongPiece(piece, this.data, out);
      return out;
    }
    let value: PieceTokens | undefined = isAscii(piece) ? this.data.ranks.get(piece) : undefined;
    if (value === undefined) {
      const out: number[] = [];
      mergePiece(toByteString(piece), this.data, out);
      value = out.length === 1 ? (out[0] as number) : out;
    }
    this.pieces.set(piece, value);
    return value;
  }

  /** Token count of one piece; a long piece is counted without materializing its ids. */
  private pieceCount(piece: string): number {
    if (piece.length > MAX_CACHED_PIECE_CHARS) return mergeLongPiece(piece, this.data);
    const t = this.piece(piece);
    return typeof t === 'number' ? 1 : t.length;
  }

  count(text: string): number {
    checkText(text, ['text']);
    return this.countUpTo(text, Infinity);
  }

  countUpTo(text: string, limit: number): number {
    const scan = this.scanner();
    let total = 0;
    const short = this.shortCounts;
    for (let p = 0; p < text.length && total <= limit; ) {
      const end = scan(text, p);
      if (end - p <= ShortPieceCounts.MAX_CHARS) {
        let n = short.get(text, p, end);
        if (n < 0) {
          n = this.pieceCount(text.slice(p, end));
          short.set(text, p, end, n);
        }
        total += n;
      } else total += this.pieceCount(text.slice(p, end));
      p = end;
    }
    return total;
  }

  encode(text: string): number[] {
    checkText(text, ['text']);
    const scan = this.scanner();
    const out: number[] = [];
    for (let p = 0, end = 0; p < text.length; p = end) {
      end = scan(text, p);
      const t = this.piece(text.slice(p, end));
      if (typeof t === 'number') out.push(t);
      else for (const id of t) out.push(id);
    }
    return out;
  }

  decode(ids: readonly number[]): string {
    if (!Array.isArray(ids)) invalidInput(['ids'], ids, 'an array of token ids');
    if (ids.length > BUDGET_LIMITS.maxTextChars) overLimit(['ids'], 'maxTextChars', ids.length, 'ids');
    const { tokens } = this.data;
    let bytes = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const token = Number.isInteger(id) ? tokens[id] : undefined;
      if (token === undefined) invalidInput(['ids', i], id, `a token id of ${this.encoding}`);
      bytes += token;
      // A token is up to a few hundred bytes: bound the byte string before it outgrows the engine's string limit.
      if (bytes.length > MAX_DECODED_BYTES) {
        throw new BudgetLimitError({
          path: ['ids'],
          limit: 'maxDecodedBytes',
          max: MAX_DECODED_BYTES,
          actual: bytes.length,
          unit: 'UTF-8 bytes decoded before the last id',
        });
      }
    }
    return this.decoder.decode(toBytes(bytes));
  }

  prefixEnd(text: string, maxTokens: number): number {
    const scan = this.scanner();
    let total = 0;
    for (let p = 0, end = 0; p < text.length; p = end) {
      end = scan(text, p);
      const piece = text.slice(p, end);
      const t = this.piece(piece);
      const n = typeof t === 'number' ? 1 : t.length;
      if (total + n <= maxTokens) {
        total += n;
        continue;
      }
      return p + this.pieceCut(piece, t, maxTokens - total, false);
    }
    return text.length;
  }

  suffixStart(text: string, maxTokens: number): number {
    // Tokenize a window at the end, doubled until it holds more than maxTokens
    // tokens: work stays proportional to what is kept, not to the whole text.
    for (let window = maxTokens * 8 + 64; ; window *= 2) {
      let from = Math.max(0, text.length - window);
      if (from > 0 && isLowSurrogate(text.charCodeAt(from))) from--;
      const starts: number[] = [];
      const found: { piece: string; tokens: PieceTokens }[] = [];
      const scan = this.scanner();
      const tail = from === 0 ? text : text.slice(from);
      let total = 0;
      for (let p = 0, end = 0; p < tail.length; p = end) {
        end = scan(tail, p);
        const piece = tail.slice(p, end);
        const t = this.piece(piece);
        starts.push(p);
        found.push({ piece, tokens: t });
        total += typeof t === 'number' ? 1 : t.length;
      }
      if (total <= maxTokens) {
        if (from === 0) return 0;
        continue;
      }
      let acc = 0;
      for (let i = found.length - 1; i >= 0; i--) {
        const { piece, tokens } = found[i] as { piece: string; tokens: PieceTokens };
        const n = typeof tokens === 'number' ? 1 : tokens.length;
        if (acc + n <= maxTokens) {
          acc += n;
          continue;
        }
        return from + (starts[i] as number) + this.pieceCut(piece, tokens, maxTokens - acc, true);
      }
      return from;
    }
  }

  /**
   * Char offset inside `piece` after its first `keep` tokens (or before its
   * last `keep` tokens when `fromEnd`), moved to a code-point boundary in the
   * direction that keeps fewer tokens, using cumulative token byte lengths.
   */
  private pieceCut(piece: string, tokens: PieceTokens, keep: number, fromEnd: boolean): number {
    if (keep <= 0) return fromEnd ? piece.length : 0;
    const ids = typeof tokens === 'number' ? [tokens] : tokens;
    const table = this.data.tokens;
    let byteTarget = 0;
    if (fromEnd) {
      for (let i = 0; i < ids.length - keep; i++) byteTarget += (table[ids[i] as number] as string).length;
    } else {
      for (let i = 0; i < keep; i++) byteTarget += (table[ids[i] as number] as string).length;
    }
    return charIndexAtByte(piece, byteTarget, fromEnd);
  }
}

/**
 * A pre-tokenizer from the pattern itself, for a rank file whose pattern the
 * scanners do not implement. The regexes' greedy loops keep one backtracking
 * entry per character, and V8's regex stack overflows on a run of about 4
 * million letters or symbols; that RangeError becomes a typed error.
 */
function regexScanner(pattern: string): PieceScanner {
  const re = new RegExp(pattern, 'gu');
  return (text, p) => {
    re.lastIndex = p;
    let m: RegExpExecArray | null;
    try {
      m = re.exec(text);
    } catch (cause) {
      if (!(cause instanceof RangeError)) throw cause;
      // A stack size is the engine's, not a number the caller can read: no `max`.
      throw new BudgetLimitError({
        path: ['text'],
        limit: 'regexStack',
        actual: p,
        unit: "chars before a pre-tokenizer piece too long for this engine's regex stack (break it with spaces or newlines)",
      });
    }
    // Every character is in some piece of a tiktoken pattern; guard against a gap anyway.
    return m === null || m.index !== p ? p + 1 : m.index + m[0].length;
  };
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Code-point index at UTF-8 byte offset `byteTarget` of `text`, rounded down (or up) if it falls inside a character. */
function charIndexAtByte(text: string, byteTarget: number, roundUp: boolean): number {
  let bytes = 0;
  for (let i = 0; i < text.length; ) {
    if (bytes >= byteTarget) return i;
    const w = utf8Width(text, i);
    const step = w === 4 ? 2 : 1;
    if (bytes + w > byteTarget) return roundUp ? i + step : i;
    bytes += w;
    i += step;
  }
  return text.length;
}
