/**
 * Grapheme-cluster boundaries near an offset, without segmenting the whole
 * text: segmentation starts at a nearby *anchor*, a position that is a
 * boundary under every UAX #29 rule (just after a line feed, or between two
 * printable ASCII characters, or between two CJK ideographs), so the
 * boundaries found after it are the true ones. Text without anchors falls
 * back to segmenting from the start: linear, never worse.
 */

let segmenter: Intl.Segmenter | undefined;

function graphemes(text: string): Intl.Segments {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter.segment(text);
}

/** How far back to look for an anchor before falling back to offset 0. */
const ANCHOR_SCAN = 4096;

function isPlainChar(c: number): boolean {
  return (c >= 0x20 && c <= 0x7e) || (c >= 0x4e00 && c <= 0x9fff);
}

function anchorBefore(text: string, offset: number): number {
  const stop = Math.max(0, offset - ANCHOR_SCAN);
  for (let p = Math.min(offset, text.length - 1); p > stop; p--) {
    const before = text.charCodeAt(p - 1);
    if (before === 0x0a) return p;
    if (isPlainChar(before) && isPlainChar(text.charCodeAt(p))) return p;
  }
  return 0;
}

/** The largest grapheme boundary ≤ `offset`. */
export function graphemeFloor(text: string, offset: number): number {
  if (offset <= 0) return 0;
  if (offset >= text.length) return text.length;
  const anchor = anchorBefore(text, offset);
  // The boundary status of `offset` depends on the code point after it; 4 code units cover it.
  const windowText = text.slice(anchor, Math.min(text.length, offset + 4));
  // One `containing` lookup: iterating segments of a long string is far slower in V8.
  const segment = graphemes(windowText).containing(offset - anchor);
  return anchor + (segment === undefined ? offset - anchor : segment.index);
}

/** The smallest grapheme boundary ≥ `offset`. */
export function graphemeCeil(text: string, offset: number): number {
  const floor = graphemeFloor(text, offset);
  if (floor === offset) return offset;
  // `floor` is a true boundary; the cluster starting there may be long (e.g. stacked combining marks).
  for (let size = 64; ; size *= 2) {
    const end = Math.min(text.length, floor + size);
    const first = graphemes(text.slice(floor, end))[Symbol.iterator]().next();
    const length = first.done === true ? 0 : first.value.segment.length;
    if (floor + length < end || end === text.length) return floor + length;
  }
}
