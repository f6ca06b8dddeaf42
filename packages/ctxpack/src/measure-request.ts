import type { FitItemResult, Tokenizer } from '@ctxpack/budget';
import type { Target } from '@ctxpack/serialize';
import { countRequestTokens } from '@ctxpack/serialize';
import type { RequestPlan } from '@ctxpack/serialize/plan';

/** How far into a block's text a split point is looked for; past it the string is counted whole. */
const SEARCH_CHARS = 256;

interface KnownSpan {
  readonly start: number;
  readonly end: number;
  /** Exact tokens of the block text at `[start, end)`, as fit counted it. */
  readonly tokens: number;
}

/**
 * The exact token count of a rendered request, without tokenizing again the
 * block texts fit has already counted.
 *
 * Why it is exact: every encoding ctxpack loads pre-tokenizes with a
 * GPT-style pattern (o200k/cl100k/harmony, Llama 3, tekken) in which a piece
 * holding an ASCII letter is a letter run that a space cannot extend (the
 * optional contraction suffix starts with `'`), and no alternative looks
 * behind. So between a letter and a following space there is always a piece
 * boundary, in the block text alone and in the message around it; BPE never
 * merges across pieces, so counts add up across such a point, and a prefix
 * ending (or a suffix starting) there is pre-tokenized as it is inside the
 * whole. A message string holding block text `t` at `[s, e)` with split
 * points `s < p ≤ q < e` then counts
 * `count(msg[0:p]) + (tokens(t) − count(msg[s:p]) − count(msg[q:e])) + count(msg[q:])`,
 * i.e. the boundary markup and a few words of the block instead of all of it.
 * Texts without such a point near both ends (CJK, code, spotlighted data
 * whose rendered text differs) are counted whole. Only for tokenizers made by
 * `@ctxpack/budget` (assemble loads its own); `countRequestTokens` is the
 * reference it is tested against.
 */
export function createRequestMeasure<T extends Target>(
  plan: RequestPlan<T>,
  target: T,
  tokenizer: Tokenizer,
): (kept: readonly FitItemResult[]) => number {
  return (kept) => {
    const rendered = plan.render(kept);
    const items = new Map<string, FitItemResult>();
    for (const k of kept) items.set(k.id, k);
    const known = new Map<string, KnownSpan[]>();
    for (const entry of rendered.sourceMap) {
      for (const range of entry.ranges) {
        const item = items.get(range.blockId);
        if (item === undefined || item.status === 'dropped' || item.countedPartially === true) continue;
        const text = stringAt(rendered.request, range.path);
        if (text === undefined || range.end - range.start !== item.text.length) continue;
        // A slice and ===, not startsWith(text, at): V8 walks a concatenated (cons) string char by
        // char for startsWith, while slice flattens it once and === compares flat memory.
        if (text.slice(range.start, range.end) !== item.text) continue;
        let spans = known.get(text);
        if (spans === undefined) {
          spans = [];
          known.set(text, spans);
        }
        spans.push({ start: range.start, end: range.end, tokens: item.tokensAfter });
      }
    }
    if (known.size === 0) return countRequestTokens(rendered.request, target, tokenizer);
    // The encoding selects the chat template of an open-weight family (see @ctxpack/serialize's requestFraming).
    const counter = {
      encoding: tokenizer.encoding,
      count(text: string): number {
        const spans = known.get(text);
        return spans === undefined ? tokenizer.count(text) : countAround(tokenizer, text, spans);
      },
    };
    return countRequestTokens(rendered.request, target, counter);
  };
}

function countAround(tokenizer: Tokenizer, text: string, spans: KnownSpan[]): number {
  spans.sort((a, b) => a.start - b.start);
  let total = 0;
  let cursor = 0;
  for (const span of spans) {
    if (span.start < cursor) continue;
    const p = firstSplit(text, span.start, span.end);
    const q = lastSplit(text, span.start, span.end);
    if (p === -1 || q === -1 || q < p) continue;
    total += tokenizer.count(text.slice(cursor, p));
    total +=
      span.tokens - tokenizer.count(text.slice(span.start, p)) - tokenizer.count(text.slice(q, span.end));
    cursor = q;
  }
  return total + tokenizer.count(cursor === 0 ? text : text.slice(cursor));
}

const isAsciiLetter = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);

/** Smallest `p` in `(start, end)`, within SEARCH_CHARS of `start`, with a letter before it and a space at it; or -1. */
function firstSplit(text: string, start: number, end: number): number {
  const stop = Math.min(end, start + SEARCH_CHARS);
  for (let p = start + 1; p < stop; p++) {
    if (text.charCodeAt(p) === 0x20 && isAsciiLetter(text.charCodeAt(p - 1))) return p;
  }
  return -1;
}

/** Largest such `p` in `(start, end)`, within SEARCH_CHARS of `end`; or -1. */
function lastSplit(text: string, start: number, end: number): number {
  const stop = Math.max(start + 1, end - SEARCH_CHARS);
  for (let p = end - 1; p >= stop; p--) {
    if (text.charCodeAt(p) === 0x20 && isAsciiLetter(text.charCodeAt(p - 1))) return p;
  }
  return -1;
}

/** The string at a source-map path (`messages[3].content[0].text`, `prompt`), or undefined. */
function stringAt(root: unknown, path: string): string | undefined {
  let value: unknown = root;
  let i = 0;
  while (i < path.length && value !== undefined) {
    const c = path.charCodeAt(i);
    if (c === 0x2e) {
      i++;
      continue;
    }
    if (c === 0x5b) {
      const close = path.indexOf(']', i);
      if (close === -1) return undefined;
      const index = Number(path.slice(i + 1, close));
      value = Array.isArray(value) && Number.isSafeInteger(index) ? value[index] : undefined;
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < path.length && path.charCodeAt(j) !== 0x2e && path.charCodeAt(j) !== 0x5b) j++;
    const key = path.slice(i, j);
    value =
      typeof value === 'object' && value !== null && Object.hasOwn(value, key)
        ? (value as Record<string, unknown>)[key]
        : undefined;
    i = j;
  }
  return typeof value === 'string' ? value : undefined;
}
