import type { TextRange } from '@ctxpack/block';
import type { CountingTokenizer, CutResult, CutStrategy } from './cut-text.js';
import { graphemeCeil, graphemeFloor } from './grapheme-boundary.js';

/** A candidate cut of the raw text keeping about `kept` code units, on grapheme boundaries. */
function candidateAt(
  text: string,
  strategy: CutStrategy,
  kept: number,
  marker: string,
): { text: string; removed: TextRange[] } {
  const n = text.length;
  if (strategy === 'tail') {
    const end = graphemeFloor(text, kept);
    return { text: text.slice(0, end) + marker, removed: [{ start: end, end: n }] };
  }
  if (strategy === 'head') {
    const start = graphemeCeil(text, n - kept);
    return { text: marker + text.slice(start), removed: [{ start: 0, end: start }] };
  }
  const end = graphemeFloor(text, Math.ceil(kept / 2));
  const start = Math.max(end, graphemeCeil(text, n - Math.floor(kept / 2)));
  return { text: text.slice(0, end) + marker + text.slice(start), removed: [{ start: end, end: start }] };
}

/**
 * `cutText` for an item sent in a rendered form (`FitItem.render`): the
 * tokens of a rendered text cannot be located in the raw one, so the number
 * of raw code units kept is binary-searched, counting the rendered candidate
 * (marker included) each time: at most ⌈log2(n + 1)⌉ + 1 counts. Cuts fall on
 * grapheme boundaries of the raw text; the result is the raw cut text with
 * its exact rendered count, at most `allowance` and keeping at least
 * `minContent` tokens beyond the rendered marker's, or undefined.
 */
export function cutRendered(
  counter: CountingTokenizer,
  text: string,
  strategy: CutStrategy,
  allowance: number,
  marker: string,
  markerTokens: number,
  minContent: number,
  render: (text: string) => string,
): CutResult | undefined {
  if (allowance - markerTokens < minContent) return undefined;
  const countAt = (kept: number): { text: string; removed: TextRange[]; tokens: number } => {
    const candidate = candidateAt(text, strategy, kept, marker);
    return { ...candidate, tokens: counter.count(render(candidate.text)) };
  };
  // Largest `kept` whose rendered candidate fits; counts grow with `kept`
  // (up to BPE merges at the seam, which the final exact count absorbs).
  let best = countAt(0);
  if (best.tokens > allowance) return undefined;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const attempt = countAt(mid);
    if (attempt.tokens <= allowance) {
      lo = mid;
      best = attempt;
    } else hi = mid - 1;
  }
  return best.tokens - markerTokens >= minContent
    ? { text: best.text, tokens: best.tokens, removed: best.removed }
    : undefined;
}
