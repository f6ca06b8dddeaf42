import type { TextRange } from '@ctxpack/block';
import { graphemeCeil, graphemeFloor } from './grapheme-boundary.js';
import { getNativeOps, type NativeOps, type Tokenizer } from './tokenizer.js';

/** Which part of a text survives a cut: `tail` keeps the start, `head` keeps the end, `middle` keeps both ends. */
export type CutStrategy = 'tail' | 'head' | 'middle';

export interface CutResult {
  text: string;
  /** Exact token count of `text` (marker included). */
  tokens: number;
  removed: TextRange[];
}

/** Counts tokenizer work for the budget report. */
export interface CountingTokenizer {
  readonly tokenizer: Tokenizer;
  readonly ops: NativeOps;
  calls: number;
  count(text: string): number;
}

/** Wraps a tokenizer with call counting and the lazy operations (native, or a binary search over `count`). */
export function createCountingTokenizer(tokenizer: Tokenizer): CountingTokenizer {
  const native = getNativeOps(tokenizer);
  const counter: CountingTokenizer = {
    tokenizer,
    calls: 0,
    ops: native ?? searchOps(tokenizer),
    count(text: string): number {
      counter.calls++;
      return tokenizer.count(text);
    },
  };
  return counter;
}

/**
 * Lazy operations for a foreign tokenizer that only offers `count`: binary
 * search over prefix / suffix lengths, O(log n) counts of at most n chars.
 */
function searchOps(tokenizer: Tokenizer): NativeOps {
  return {
    countUpTo: (text) => tokenizer.count(text),
    prefixEnd(text, maxTokens) {
      let lo = 0;
      let hi = text.length;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (tokenizer.count(text.slice(0, mid)) <= maxTokens) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
    suffixStart(text, maxTokens) {
      let lo = 0;
      let hi = text.length;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (tokenizer.count(text.slice(mid)) <= maxTokens) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
  };
}

/** Attempts to reach the allowance when the exact count of the cut text overshoots the estimate. */
const MAX_CUT_ATTEMPTS = 8;

/**
 * Cuts `text` so that the result, marker included, counts at most `allowance`
 * tokens and keeps at least `minContent` tokens of content (result tokens
 * minus the marker's). Cuts fall on grapheme-cluster boundaries. The result
 * is counted exactly; if text and marker merge into more tokens than
 * estimated, the content target shrinks by the overshoot and the cut is
 * redone (bounded). Returns undefined when no cut satisfies both bounds.
 */
export function cutText(
  counter: CountingTokenizer,
  text: string,
  strategy: CutStrategy,
  allowance: number,
  marker: string,
  markerTokens: number,
  minContent: number,
): CutResult | undefined {
  let target = allowance - markerTokens;
  for (let attempt = 0; attempt < MAX_CUT_ATTEMPTS && target >= minContent; attempt++) {
    const cut = cutAt(counter, text, strategy, target, marker);
    const tokens = counter.count(cut.text);
    if (tokens <= allowance) {
      return tokens - markerTokens >= minContent
        ? { text: cut.text, tokens, removed: cut.removed }
        : undefined;
    }
    target -= Math.max(1, tokens - allowance) * (attempt + 1);
  }
  return undefined;
}

function cutAt(
  counter: CountingTokenizer,
  text: string,
  strategy: CutStrategy,
  target: number,
  marker: string,
): { text: string; removed: TextRange[] } {
  const { ops } = counter;
  counter.calls++;
  if (strategy === 'tail') {
    const end = graphemeFloor(text, ops.prefixEnd(text, target));
    return { text: text.slice(0, end) + marker, removed: [{ start: end, end: text.length }] };
  }
  if (strategy === 'head') {
    const start = graphemeCeil(text, ops.suffixStart(text, target));
    return { text: marker + text.slice(start), removed: [{ start: 0, end: start }] };
  }
  counter.calls += 2;
  const end = graphemeFloor(text, ops.prefixEnd(text, Math.ceil(target / 2)));
  // The end keeps what the start left unused: a grapheme cluster of many
  // tokens (a ZWJ family emoji is 18 in cl100k) at the cut would otherwise
  // waste up to half the allowance.
  const headTokens = ops.countUpTo(text.slice(0, end), target);
  const start = Math.max(end, graphemeCeil(text, ops.suffixStart(text, Math.max(0, target - headTokens))));
  return { text: text.slice(0, end) + marker + text.slice(start), removed: [{ start: end, end: start }] };
}
