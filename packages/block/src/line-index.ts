import { assertString } from './assert-argument.js';

/**
 * Line and column (both 1-based, columns in UTF-16 code units) of offsets in
 * `text`: the line starts are found once, each lookup is a binary search, so
 * placing every finding of a large file stays O((n + k) log n).
 *
 * @example
 * const at = createLineIndex('a\nbc');
 * at(3); // { line: 2, column: 2 }
 */
export function createLineIndex(text: string): (offset: number) => { line: number; column: number } {
  assertString(text, 'text');
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] as number) + 1 };
  };
}
