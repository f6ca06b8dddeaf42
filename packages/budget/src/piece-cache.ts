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
