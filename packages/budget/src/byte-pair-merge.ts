/**
 * Byte-pair merge of one pre-tokenizer piece, producing exactly the tokens
 * tiktoken produces: repeatedly merge the adjacent pair with the lowest rank,
 * the leftmost one on ties, until no adjacent pair has a rank.
 *
 * Every part is a token at every step (single bytes are tokens, and a merge
 * only happens when the joined bytes are one), so a pair is looked up by its
 * two token ids in a numeric memo instead of slicing and hashing byte strings.
 *
 * Short pieces use tiktoken's own scan for the minimum (fast for the common
 * case); long pieces use a doubly linked list plus a binary min-heap keyed by
 * (rank, position) with lazy invalidation, O(n log n). js-tiktoken scans the
 * whole piece per merge with a string join per pair (O(n²) or worse), which
 * takes ~11 s on "a".repeat(10000); untrusted input must not do that.
 */

/** What the merge needs from an encoding. */
export interface MergeTables {
  /** Byte string → rank. */
  readonly ranks: Map<string, number>;
  /** Rank → byte string. */
  readonly tokens: readonly string[];
  readonly maxTokenBytes: number;
  /** Memo (left id, right id) → merged id or -1, filled lazily. */
  readonly pairs: PairMemo;
}

/** Pieces up to this many bytes use the simple scan. */
const SMALL_PIECE_BYTES = 128;

/**
 * Open-addressing hash table of int pairs → int in typed arrays: no boxing
 * of large numeric keys (which makes `Map<number, …>` slow past 2^31), fixed
 * memory (12 MB), cleared when half full so probes stay short.
 */
export class PairMemo {
  private static readonly BITS = 20;
  private readonly lefts = new Int32Array(1 << PairMemo.BITS).fill(-1);
  private readonly rights = new Int32Array(1 << PairMemo.BITS);
  private readonly values = new Int32Array(1 << PairMemo.BITS);
  private used = 0;

  private slot(left: number, right: number): number {
    const mask = (1 << PairMemo.BITS) - 1;
    let i = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right, 0x85ebca6b)) >>> (32 - PairMemo.BITS);
    while (this.lefts[i] !== -1 && (this.lefts[i] !== left || this.rights[i] !== right)) i = (i + 1) & mask;
    return i;
  }

  /** The merged id, -1 if the pair does not merge, or -2 if unknown. */
  get(left: number, right: number): number {
    const i = this.slot(left, right);
    return this.lefts[i] === -1 ? -2 : (this.values[i] as number);
  }

  set(left: number, right: number, value: number): void {
    if (this.used >= 1 << (PairMemo.BITS - 1)) {
      this.lefts.fill(-1);
      this.used = 0;
    }
    const i = this.slot(left, right);
    if (this.lefts[i] === -1) this.used++;
    this.lefts[i] = left;
    this.rights[i] = right;
    this.values[i] = value;
  }
}

function mergedRank(t: MergeTables, left: number, right: number): number {
  const hit = t.pairs.get(left, right);
  if (hit !== -2) return hit;
  const a = t.tokens[left] as string;
  const b = t.tokens[right] as string;
  const rank = a.length + b.length > t.maxTokenBytes ? -1 : (t.ranks.get(a + b) ?? -1);
  t.pairs.set(left, right, rank);
  return rank;
}

/** Appends the token ids of `piece` (a byte string; every byte must have a rank) to `out`. */
export function mergePiece(piece: string, t: MergeTables, out: number[]): void {
  const whole = t.ranks.get(piece);
  if (whole !== undefined) {
    out.push(whole);
    return;
  }
  if (piece.length <= SMALL_PIECE_BYTES) mergeSmall(piece, t, out);
  else mergeLarge(piece, t, out);
}

function byteRanks(piece: string, t: MergeTables): number[] {
  const ids: number[] = new Array(piece.length);
  for (let i = 0; i < piece.length; i++) ids[i] = t.ranks.get(piece[i] as string) as number;
  return ids;
}

function mergeSmall(piece: string, t: MergeTables, out: number[]): void {
  const ids = byteRanks(piece, t);
  // pair[i] is the id of ids[i] joined with ids[i + 1], or -1.
  const pair: number[] = new Array(ids.length - 1);
  for (let i = 0; i < ids.length - 1; i++) pair[i] = mergedRank(t, ids[i] as number, ids[i + 1] as number);
  for (;;) {
    let min = -1;
    let at = -1;
    for (let i = 0; i < pair.length; i++) {
      const r = pair[i] as number;
      if (r >= 0 && (min < 0 || r < min)) {
        min = r;
        at = i;
      }
    }
    if (at < 0) break;
    ids[at] = min;
    ids.splice(at + 1, 1);
    pair.splice(at, 1);
    if (at < ids.length - 1) pair[at] = mergedRank(t, min, ids[at + 1] as number);
    if (at > 0) pair[at - 1] = mergedRank(t, ids[at - 1] as number, min);
  }
  for (const id of ids) out.push(id);
}

const POS_SCALE = 2 ** 32;

function mergeLarge(piece: string, t: MergeTables, out: number[]): void {
  const n = piece.length;
  // Node i is the part starting at byte i; id[i] its token, next[i] the following node (n = end).
  const id = Int32Array.from(byteRanks(piece, t));
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const pair = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  const heap = new MinHeap(n);
  const update = (i: number): void => {
    const j = next[i] as number;
    const r = j < n ? mergedRank(t, id[i] as number, id[j] as number) : -1;
    pair[i] = r;
    if (r >= 0) heap.push(r * POS_SCALE + i);
  };
  for (let i = 0; i < n - 1; i++) update(i);
  while (heap.size > 0) {
    const key = heap.pop();
    const rank = Math.floor(key / POS_SCALE);
    const i = key - rank * POS_SCALE;
    // Lazy invalidation: an entry is live only if node i still exists with that pair rank.
    if (id[i] === -1 || pair[i] !== rank) continue;
    const j = next[i] as number;
    const k = next[j] as number;
    id[i] = rank;
    id[j] = -1;
    pair[j] = -1;
    next[i] = k;
    if (k < n) prev[k] = i;
    update(i);
    const p = prev[i] as number;
    if (p >= 0) update(p);
  }
  for (let i = 0; i < n; i = next[i] as number) out.push(id[i] as number);
}

/** Binary min-heap of non-negative numbers in a growable Float64Array. */
class MinHeap {
  private data: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.size === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const d = this.data;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pv = d[parent] as number;
      if (pv <= value) break;
      d[i] = pv;
      i = parent;
    }
    d[i] = value;
  }

  pop(): number {
    const d = this.data;
    const top = d[0] as number;
    const last = d[--this.size] as number;
    const size = this.size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      const c = r < size && (d[r] as number) < (d[l] as number) ? r : l;
      if ((d[c] as number) >= last) break;
      d[i] = d[c] as number;
      i = c;
    }
    d[i] = last;
    return top;
  }
}
