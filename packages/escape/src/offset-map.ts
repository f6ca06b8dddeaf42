/**
 * Maps positions of a derived text back to the text it was derived from.
 * Stores only the edited spans (sorted, non-overlapping); positions between
 * edits shift by a constant. Lookups are binary searches: O(log edits).
 */
export class OffsetMap {
  private readonly outStart: number[] = [];
  private readonly outEnd: number[] = [];
  private readonly inStart: number[] = [];
  private readonly inEnd: number[] = [];

  /** Records that `[inStart, inEnd)` of the source became `[outStart, outEnd)`; calls must be in order. */
  add(outStart: number, outEnd: number, inStart: number, inEnd: number): void {
    this.outStart.push(outStart);
    this.outEnd.push(outEnd);
    this.inStart.push(inStart);
    this.inEnd.push(inEnd);
  }

  get size(): number {
    return this.outStart.length;
  }

  /** Output ranges that edits produced, in order. */
  editedRanges(): [number, number][] {
    return this.outStart.map((s, k) => [s, this.outEnd[k]!]);
  }

  /** Source position of a range start at `p`. */
  toSourceStart(p: number): number {
    const k = this.lastAtOrBefore(p, false);
    if (k < 0) return p;
    const oe = this.outEnd[k]!;
    if (p < oe) return this.inStart[k]!;
    return this.inEnd[k]! + (p - oe);
  }

  /** Source position of an exclusive range end at `p`. */
  toSourceEnd(p: number): number {
    const k = this.lastAtOrBefore(p, true);
    if (k < 0) return p;
    const oe = this.outEnd[k]!;
    if (p <= oe) return this.inEnd[k]!;
    return this.inEnd[k]! + (p - oe);
  }

  /** Index of the last edit whose output starts at or before `p` (strictly before when `strict`). */
  private lastAtOrBefore(p: number, strict: boolean): number {
    let lo = 0;
    let hi = this.outStart.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.outStart[mid]!;
      if (strict ? s < p : s <= p) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

/** One replacement of `[start, end)` of a text by `text`. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies sorted, non-overlapping edits. Returns the new text and a map from
 * its positions back to the input. Joins in chunks so memory stays linear.
 */
export function applyEdits(input: string, edits: readonly Edit[]): { text: string; map: OffsetMap } {
  const map = new OffsetMap();
  const chunks: string[] = [];
  let parts: string[] = [];
  let last = 0;
  let outPos = 0;
  for (const e of edits) {
    if (e.start > last) {
      parts.push(input.slice(last, e.start));
      outPos += e.start - last;
    }
    parts.push(e.text);
    map.add(outPos, outPos + e.text.length, e.start, e.end);
    outPos += e.text.length;
    last = e.end;
    if (parts.length >= 8192) {
      chunks.push(parts.join(''));
      parts = [];
    }
  }
  if (last < input.length) parts.push(input.slice(last));
  chunks.push(parts.join(''));
  return { text: chunks.join(''), map };
}
