/**
 * A bounded map with approximate LRU eviction (the two-generation scheme of
 * quick-lru): writes go to `young`; when it holds `capacity` entries it
 * becomes `old` and the previous `old` is discarded. A hit in `old` is
 * promoted. Memory stays below 2 × capacity entries, and each operation is
 * O(1) with no per-hit bookkeeping, unlike a linked-list LRU.
 */
export class PieceCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  get(key: string): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: string, value: V): void {
    if (this.young.size >= this.capacity) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}

/**
 * Token counts of short pieces, looked up by the piece's UTF-16 code units
 * read in place from the text: no substring is allocated and no string is
 * hashed by the engine on a hit. Text made of many short pieces (JSON:
 * `{"`, `id`, `":`, `123`, `,"` …) spent a quarter of `count` slicing and
 * hashing substrings for `PieceCache`. Open addressing over typed arrays with
 * fixed memory (about 1.2 MB); cleared when half full, so a probe sequence
 * stays short and memory never grows. A key is the exact code units (a lone
 * surrogate included), so a hit is the count of exactly that piece.
 */
export class ShortPieceCounts {
  /** Longest piece kept, in UTF-16 code units. */
  static readonly MAX_CHARS = 16;
  private static readonly BITS = 15;
  private readonly keys = new Uint16Array((1 << ShortPieceCounts.BITS) * ShortPieceCounts.MAX_CHARS);
  /** Key length per slot; 0 is an empty slot (pieces are never empty). */
  private readonly lengths = new Uint8Array(1 << ShortPieceCounts.BITS);
  private readonly counts = new Int32Array(1 << ShortPieceCounts.BITS);
  private used = 0;
  private static readonly PACKED_BITS = 14;
  /** Packed keys of short ASCII pieces (see `packed`); 0 is an empty slot. */
  private readonly packedKeys = new Int32Array(1 << ShortPieceCounts.PACKED_BITS);
  private readonly packedCounts = new Int32Array(1 << ShortPieceCounts.PACKED_BITS);
  private packedUsed = 0;

  /** Slot of text[start, end) (end − start in 1..MAX_CHARS): the slot holding it, or the empty slot where it goes. */
  private slot(text: string, start: number, end: number): number {
    const len = end - start;
    let h = len;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    const mask = (1 << ShortPieceCounts.BITS) - 1;
    const width = ShortPieceCounts.MAX_CHARS;
    for (let s = h >>> (32 - ShortPieceCounts.BITS); ; s = (s + 1) & mask) {
      const l = this.lengths[s] as number;
      if (l === 0) return s;
      if (l !== len) continue;
      const base = s * width;
      let k = 0;
      while (k < len && this.keys[base + k] === text.charCodeAt(start + k)) k++;
      if (k === len) return s;
    }
  }

  /**
   * An ASCII piece of 1–4 chars packed into one int: its length (3 bits) then
   * 7 bits per char, so distinct pieces get distinct keys (< 2^31, never 0);
   * -1 for any other piece. Most JSON and code pieces (`{"`, `":`, `123`,
   * `","`, `true`) are such, and one int compare replaces the char loop.
   */
  private static packed(text: string, start: number, end: number): number {
    if (end - start > 4) return -1;
    let key = end - start;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return -1;
      key = (key << 7) | c;
    }
    return key;
  }

  private packedSlot(key: number): number {
    const mask = (1 << ShortPieceCounts.PACKED_BITS) - 1;
    let s = Math.imul(key, 0x9e3779b1) >>> (32 - ShortPieceCounts.PACKED_BITS);
    while (this.packedKeys[s] !== 0 && this.packedKeys[s] !== key) s = (s + 1) & mask;
    return s;
  }

  /** Count of the piece text[start, end), or -1 when it is not kept. */
  get(text: string, start: number, end: number): number {
    const key = ShortPieceCounts.packed(text, start, end);
    if (key > 0) {
      const p = this.packedSlot(key);
      return this.packedKeys[p] === 0 ? -1 : (this.packedCounts[p] as number);
    }
    const s = this.slot(text, start, end);
    return this.lengths[s] === 0 ? -1 : (this.counts[s] as number);
  }

  /** Keeps the count of text[start, end) (1..MAX_CHARS code units). */
  set(text: string, start: number, end: number, count: number): void {
    const key = ShortPieceCounts.packed(text, start, end);
    if (key > 0) {
      if (this.packedUsed >= 1 << (ShortPieceCounts.PACKED_BITS - 1)) {
        this.packedKeys.fill(0);
        this.packedUsed = 0;
      }
      const p = this.packedSlot(key);
      if (this.packedKeys[p] === 0) this.packedUsed++;
      this.packedKeys[p] = key;
      this.packedCounts[p] = count;
      return;
    }
    if (this.used >= 1 << (ShortPieceCounts.BITS - 1)) this.clear();
    const s = this.slot(text, start, end);
    if (this.lengths[s] === 0) this.used++;
    const base = s * ShortPieceCounts.MAX_CHARS;
    for (let k = 0; k < end - start; k++) this.keys[base + k] = text.charCodeAt(start + k);
    this.lengths[s] = end - start;
    this.counts[s] = count;
  }

  clear(): void {
    this.lengths.fill(0);
    this.used = 0;
    this.packedKeys.fill(0);
    this.packedUsed = 0;
  }
}
