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

/**
 * After this many interruptions (a merge made a pair ranked below the rank
 * being drained), the bucket merge hands over to the heap merge, whose
 * O(n log n) bound does not depend on the vocabulary.
 */
const MAX_INTERRUPTIONS = 1024;

/** The linked list of parts of one long piece; node i is the part starting at byte i. */
interface MergeState {
  readonly n: number;
  /** Token of node i, or -1 once merged into its left neighbour. */
  readonly id: Int32Array;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Rank of node i joined with its next node, or -1. */
  readonly pair: Int32Array;
}

function createState(bytes: string | Uint8Array, t: MergeTables): MergeState {
  const n = bytes.length;
  const byteIds = new Int32Array(256);
  for (let b = 0; b < 256; b++) byteIds[b] = t.ranks.get(String.fromCharCode(b)) ?? -1;
  const id = new Int32Array(n);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  if (typeof bytes === 'string') for (let i = 0; i < n; i++) id[i] = byteIds[bytes.charCodeAt(i)] as number;
  else for (let i = 0; i < n; i++) id[i] = byteIds[bytes[i] as number] as number;
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  return { n, id, next, prev, pair: new Int32Array(n).fill(-1) };
}

/** Joins node i with its next node into token `rank`. */
function joinNext(s: MergeState, i: number, rank: number): void {
  const j = s.next[i] as number;
  const k = s.next[j] as number;
  s.id[i] = rank;
  s.id[j] = -1;
  s.pair[j] = -1;
  s.next[i] = k;
  if (k < s.n) s.prev[k] = i;
}

function pairRank(s: MergeState, t: MergeTables, i: number): number {
  const j = s.next[i] as number;
  const r = j < s.n ? mergedRank(t, s.id[i] as number, s.id[j] as number) : -1;
  s.pair[i] = r;
  return r;
}

/** Appends the tokens to `out` (when given); returns how many there are. */
function emit(s: MergeState, out: number[] | undefined): number {
  let count = 0;
  for (let i = 0; i < s.n; i = s.next[i] as number) {
    out?.push(s.id[i] as number);
    count++;
  }
  return count;
}

/** Positions of live pairs of one rank, ascending from `cursor` once sorted. */
interface Bucket {
  items: Int32Array;
  length: number;
  cursor: number;
  sorted: boolean;
  queued: boolean;
}

/**
 * Buckets indexed by rank, shared by every merge (one runs at a time: the
 * merge is synchronous and not re-entrant) so a long piece allocates no
 * vocabulary-sized table; `RankBuckets.close` empties the slots it used.
 */
const sharedSlots: (Bucket | undefined)[] = [];

/** Pair positions bucketed by rank, with a heap of the ranks that have queued positions. */
class RankBuckets {
  private readonly slots = sharedSlots;
  private readonly used: number[] = [];
  private readonly ranks = new MinHeap(64);
  /** Rank of the bucket `popLowest` returned last. */
  popped = -1;

  get size(): number {
    return this.ranks.size;
  }

  /** Creates the bucket of `rank` with room for `capacity` positions (the initial pairs are counted first: no regrowth). */
  reserve(rank: number, capacity: number): void {
    if (this.slots[rank] !== undefined) return;
    while (this.slots.length <= rank) this.slots.push(undefined);
    this.slots[rank] = {
      items: new Int32Array(Math.max(16, capacity)),
      length: 0,
      cursor: 0,
      sorted: true,
      queued: false,
    };
    this.used.push(rank);
  }

  add(rank: number, position: number): void {
    let b = this.slots[rank];
    if (b === undefined) {
      this.reserve(rank, 16);
      b = this.slots[rank] as Bucket;
    }
    if (b.cursor === b.length) {
      b.cursor = 0;
      b.length = 0;
      b.sorted = true;
    }
    if (b.length === b.items.length) {
      const grown = new Int32Array(b.items.length * 2);
      grown.set(b.items);
      b.items = grown;
    }
    if (b.length > b.cursor && (b.items[b.length - 1] as number) > position) b.sorted = false;
    b.items[b.length++] = position;
    if (!b.queued) {
      b.queued = true;
      this.ranks.push(rank);
    }
  }

  /** The bucket of the lowest queued rank (`popped`), its pending positions sorted ascending; dequeued. */
  popLowest(): Bucket {
    const rank = this.ranks.pop();
    this.popped = rank;
    const b = this.slots[rank] as Bucket;
    b.queued = false;
    if (!b.sorted) {
      b.items.subarray(b.cursor, b.length).sort();
      b.sorted = true;
    }
    return b;
  }

  /** Requeues a bucket with positions left. */
  release(rank: number, b: Bucket): void {
    if (b.cursor < b.length && !b.queued) {
      b.queued = true;
      this.ranks.push(rank);
    }
  }

  /** Frees the shared slots. */
  close(): void {
    for (const rank of this.used) this.slots[rank] = undefined;
  }
}

/**
 * Long pieces (runs of one character, CJK sentences, base64) are merged rank
 * by rank: every live pair sits in the bucket of its rank, and a small heap
 * orders the distinct ranks. Draining the lowest rank's bucket left to right
 * is exactly tiktoken's order (lowest rank, leftmost first) because a merge
 * into token r never creates another pair of rank r (the joined bytes would be
 * longer than token r's). A merge that creates a pair ranked at or below r
 * interrupts the drain, so that pair goes first, as in tiktoken. Each merge
 * costs O(1) amortized plus a sort of positions appended out of order, so a
 * 16 Mi-byte run merges in about a second instead of O(n log n) heap steps.
 */
function mergeLarge(piece: string | Uint8Array, t: MergeTables, out: number[] | undefined): number {
  const s = createState(piece, t);
  const q = new RankBuckets();
  try {
    mergeByRank(s, t, q);
  } finally {
    q.close();
  }
  return emit(s, out);
}

const encoder = new TextEncoder();

/**
 * Merges a long piece given as text (not as a byte string): a non-ASCII piece
 * is encoded once into a Uint8Array, a quarter of the memory of a byte-string
 * built through a number array, and lone surrogates become EF BF BD exactly as
 * `toByteString` makes them. Appends the ids to `out` when given (counting
 * needs none, and a 16 Mi-token array is 130 MB); returns the token count.
 */
export function mergeLongPiece(piece: string, t: MergeTables, out?: number[]): number {
  let ascii = true;
  for (let i = 0; i < piece.length; i++) {
    if (piece.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  return mergeLarge(ascii ? piece : encoder.encode(piece), t, out);
}

function mergeByRank(s: MergeState, t: MergeTables, q: RankBuckets): void {
  const { id, prev, pair } = s;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.n - 1; i++) {
    const r = pairRank(s, t, i);
    if (r >= 0) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  for (const [r, count] of counts) q.reserve(r, count);
  for (let i = 0; i < s.n - 1; i++) {
    const r = s.pair[i] as number;
    if (r >= 0) q.add(r, i);
  }
  let interruptions = 0;
  while (q.size > 0) {
    const b = q.popLowest();
    const rank = q.popped;
    let interrupted = false;
    while (b.cursor < b.length && !interrupted) {
      const i = b.items[b.cursor++] as number;
      if (id[i] === -1 || pair[i] !== rank) continue;
      joinNext(s, i, rank);
      const right = pairRank(s, t, i);
      if (right >= 0) {
        q.add(right, i);
        if (right <= rank) interrupted = true;
      }
      const p = prev[i] as number;
      if (p >= 0) {
        const left = pairRank(s, t, p);
        if (left >= 0) {
          q.add(left, p);
          if (left <= rank) interrupted = true;
        }
      }
    }
    q.release(rank, b);
    if (interrupted && ++interruptions > MAX_INTERRUPTIONS) {
      mergeWithHeap(s, t);
      return;
    }
  }
}

/**
 * The merge with a binary min-heap keyed by (rank, position) and lazy
 * invalidation: O(n log n) whatever the vocabulary. Exported for the
 * differential test of the bucket merge.
 * @internal
 */
export function mergeLargeWithHeap(piece: string, t: MergeTables, out: number[]): void {
  const s = createState(piece, t);
  for (let i = 0; i < s.n - 1; i++) pairRank(s, t, i);
  mergeWithHeap(s, t);
  emit(s, out);
}

/** Finishes the merge of `s`, whose `pair` ranks are current, with a heap. */
function mergeWithHeap(s: MergeState, t: MergeTables): void {
  const heap = new MinHeap(s.n);
  for (let i = 0; i < s.n; i = s.next[i] as number) {
    const r = s.pair[i] as number;
    if (r >= 0) heap.push(r * POS_SCALE + i);
  }
  const update = (i: number): void => {
    const r = pairRank(s, t, i);
    if (r >= 0) heap.push(r * POS_SCALE + i);
  };
  while (heap.size > 0) {
    const key = heap.pop();
    const rank = Math.floor(key / POS_SCALE);
    const i = key - rank * POS_SCALE;
    // Lazy invalidation: an entry is live only if node i still exists with that pair rank.
    if (s.id[i] === -1 || s.pair[i] !== rank) continue;
    joinNext(s, i, rank);
    update(i);
    const p = s.prev[i] as number;
    if (p >= 0) update(p);
  }
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
