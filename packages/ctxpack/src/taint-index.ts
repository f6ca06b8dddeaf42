/** Length of the windows the index holds: a copied run of this many bytes is the smallest taint it finds. */
export const WINDOW_BYTES = 8;

/**
 * A set of the 8-byte windows of some byte strings, each remembered with the
 * first source it occurs in. Keys are the 64 window bits themselves (two
 * 32-bit halves), so a hit is exact, never a hash collision. Open addressing
 * in typed arrays: 12 bytes per slot, at most 2 slots per window, built in one
 * pass over the sources.
 */
export interface ByteIndex {
  /** Windows held (with repeats). */
  readonly windows: number;
  /** Bytes left out because the sources exceeded the index limit. */
  readonly omittedBytes: number;
  /** The source holding the window whose halves are `lo`, `hi` (little-endian), or -1. */
  find(lo: number, hi: number): number;
  /**
   * A one-hash bit filter over the windows (8 bits per window): bit
   * `filterHash(lo, hi) & filterMask` of `filter` is set for every indexed
   * window, so a clear bit proves `find` would return -1. Read inline on the
   * per-byte paths, where most windows are not in the index.
   */
  readonly filter: Uint32Array;
  readonly filterMask: number;
}

const EMPTY: ByteIndex = {
  windows: 0,
  omittedBytes: 0,
  find: () => -1,
  filter: new Uint32Array(1),
  filterMask: 0,
};

/** The filter bit of a window (two multiplications; independent of the table's slot hash). */
export function filterHash(lo: number, hi: number): number {
  const h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Whether the filter may hold the window (false: certainly not indexed). */
export function mayHold(index: ByteIndex, lo: number, hi: number): boolean {
  const bit = filterHash(lo, hi) & index.filterMask;
  return (index.filter[bit >>> 5]! & (1 << (bit & 31))) !== 0;
}

/** Slot of a window's halves in a table of `mask + 1` slots (a murmur3-style mix). */
function slotOf(lo: number, hi: number, mask: number): number {
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 13)) & mask;
}

/**
 * Indexes every 8-byte window of `sources`, up to `maxBytes` bytes in all
 * (the rest is counted in `omittedBytes`, never silently dropped).
 *
 * @example
 * const index = createByteIndex([new TextEncoder().encode('ACCT-99812')], 1 << 20);
 */
export function createByteIndex(sources: readonly Uint8Array[], maxBytes: number): ByteIndex {
  let windows = 0;
  let budget = maxBytes;
  let omittedBytes = 0;
  const used: Uint8Array[] = [];
  for (const s of sources) {
    const take = Math.min(s.length, Math.max(0, budget));
    omittedBytes += s.length - take;
    budget -= take;
    const part = take === s.length ? s : s.subarray(0, take);
    used.push(part);
    if (part.length >= WINDOW_BYTES) windows += part.length - WINDOW_BYTES + 1;
  }
  if (windows === 0) return { ...EMPTY, omittedBytes };
  let size = 16;
  while (size < windows * 2) size *= 2;
  const mask = size - 1;
  const los = new Uint32Array(size);
  const his = new Uint32Array(size);
  const owners = new Int32Array(size).fill(-1);
  let filterBits = 1024;
  while (filterBits < windows * 8) filterBits *= 2;
  const filter = new Uint32Array(filterBits >>> 5);
  const filterMask = filterBits - 1;
  used.forEach((bytes, owner) => {
    for (let i = 0; i + WINDOW_BYTES <= bytes.length; i++) {
      const lo = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
      const hi = (bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24)) >>> 0;
      const bit = filterHash(lo, hi) & filterMask;
      filter[bit >>> 5]! |= 1 << (bit & 31);
      let slot = slotOf(lo, hi, mask);
      while (owners[slot] !== -1 && (los[slot] !== lo || his[slot] !== hi)) slot = (slot + 1) & mask;
      if (owners[slot] === -1) {
        los[slot] = lo;
        his[slot] = hi;
        owners[slot] = owner;
      }
    }
  });
  return {
    windows,
    omittedBytes,
    filter,
    filterMask,
    find: (lo, hi) => {
      let slot = slotOf(lo, hi, mask);
      for (;;) {
        const owner = owners[slot]!;
        if (owner === -1) return -1;
        if (los[slot] === lo && his[slot] === hi) return owner;
        slot = (slot + 1) & mask;
      }
    },
  };
}

/** A run of consecutive indexed windows in some bytes. */
export interface WindowRun {
  /** Byte offsets `[start, end)` of the run. */
  start: number;
  end: number;
  /** Sources the run's windows came from (indices into the index's sources), in first-seen order. */
  owners: number[];
}

/**
 * The runs of `bytes` whose every window is in `index` and, when `vouched`
 * is given, not in `vouched` (bytes the user or the application also wrote
 * are theirs, not the third party's). Linear in `bytes`.
 */
export function findRuns(bytes: Uint8Array, index: ByteIndex, vouched?: ByteIndex): WindowRun[] {
  const runs: WindowRun[] = [];
  if (index.windows === 0 || bytes.length < WINDOW_BYTES) return runs;
  let current: WindowRun | undefined;
  for (let i = 0; i + WINDOW_BYTES <= bytes.length; i++) {
    const lo = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    const hi = (bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24)) >>> 0;
    const owner = index.find(lo, hi);
    const hit = owner !== -1 && (vouched === undefined || vouched.find(lo, hi) === -1);
    if (!hit) {
      current = undefined;
      continue;
    }
    if (current === undefined) {
      current = { start: i, end: i + WINDOW_BYTES, owners: [owner] };
      runs.push(current);
    } else {
      current.end = i + WINDOW_BYTES;
      if (current.owners.length < 16 && !current.owners.includes(owner)) current.owners.push(owner);
    }
  }
  return runs;
}
