/**
 * Byte-pair merge of one pre-tokenizer piece, producing exactly the tokens
 * tiktoken produces: repeatedly merge the adjacent pair with the lowest rank,
 * the leftmost one on ties, until no adjacent pair has a rank.
 *
 * Short pieces use tiktoken's own quadratic scan (fast for the common case);
 * long pieces use a doubly linked list plus a binary min-heap keyed by
 * (rank, position) with lazy invalidation, O(n log n). js-tiktoken scans the
 * whole piece per merge (O(n²) with a string join per pair), which takes
 * ~11 s on "a".repeat(10000); untrusted input must not be able to do that.
 */

/** Pieces up to this many bytes use the simple scan. */
const SMALL_PIECE_BYTES = 64;

/**
 * Appends the token ranks of `piece` (a byte string) to `out`.
 * `ranks` maps byte strings to ranks; every single byte must have a rank.
 */
export function mergePiece(
  piece: string,
  ranks: Map<string, number>,
  maxTokenBytes: number,
  out: number[],
): void {
  const whole = ranks.get(piece);
  if (whole !== undefined) {
    out.push(whole);
    return;
  }
  if (piece.length <= SMALL_PIECE_BYTES) mergeSmall(piece, ranks, out);
  else mergeLarge(piece, ranks, maxTokenBytes, out);
}

function mergeSmall(piece: string, ranks: Map<string, number>, out: number[]): void {
  const n = piece.length;
  // starts[i] is the byte offset of part i; starts[parts] = n. pairRank[i] ranks part i joined with part i+1.
  const starts: number[] = new Array(n + 1);
  for (let i = 0; i <= n; i++) starts[i] = i;
  const pairRank: number[] = new Array(n);
  for (let i = 0; i < n - 1; i++) pairRank[i] = ranks.get(piece.slice(i, i + 2)) ?? Infinity;
  let parts = n;
  while (parts > 1) {
    let min = Infinity;
    let at = -1;
    for (let i = 0; i < parts - 1; i++) {
      const r = pairRank[i] as number;
      if (r < min) {
        min = r;
        at = i;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
    pairRank.splice(at + 1, 1);
    parts--;
    pairRank[at] =
      at < parts - 1 ? (ranks.get(piece.slice(starts[at], starts[at + 2])) ?? Infinity) : Infinity;
    if (at > 0) pairRank[at - 1] = ranks.get(piece.slice(starts[at - 1], starts[at + 1])) ?? Infinity;
  }
  for (let i = 0; i < parts; i++) out.push(ranks.get(piece.slice(starts[i], starts[i + 1])) as number);
}

const POS_SCALE = 2 ** 32;

function mergeLarge(piece: string, ranks: Map<string, number>, maxTokenBytes: number, out: number[]): void {
  const n = piece.length;
  // Node i is the part starting at byte i. next[i] = start of the following part (n = end).
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const pairRank = new Float64Array(n);
  const alive = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
    alive[i] = 1;
  }
  const heap = new MinHeap(n);
  const rankOf = (i: number): number => {
    const j = next[i] as number;
    if (j >= n) return Infinity;
    const k = j + 1 < n ? (next[j] as number) : n;
    if (k - i > maxTokenBytes) return Infinity;
    return ranks.get(piece.slice(i, k)) ?? Infinity;
  };
  for (let i = 0; i < n - 1; i++) {
    const r = rankOf(i);
    pairRank[i] = r;
    if (r !== Infinity) heap.push(r * POS_SCALE + i);
  }
  pairRank[n - 1] = Infinity;
  while (heap.size > 0) {
    const key = heap.pop();
    const rank = Math.floor(key / POS_SCALE);
    const i = key - rank * POS_SCALE;
    // Lazy invalidation: an entry is live only if its node exists and still has that pair rank.
    if (alive[i] === 0 || pairRank[i] !== rank) continue;
    const j = next[i] as number;
    const k = next[j] as number;
    alive[j] = 0;
    next[i] = k;
    if (k < n) prev[k] = i;
    const r = rankOf(i);
    pairRank[i] = r;
    if (r !== Infinity) heap.push(r * POS_SCALE + i);
    const p = prev[i] as number;
    if (p >= 0) {
      const rp = rankOf(p);
      pairRank[p] = rp;
      if (rp !== Infinity) heap.push(rp * POS_SCALE + p);
    }
  }
  for (let i = 0; i < n; i = next[i] as number) out.push(ranks.get(piece.slice(i, next[i])) as number);
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
