import type { TextRange } from '@ctxpack/block';
import type { Tokenizer } from './tokenizer.js';

/** How an item may be cut: `tail` keeps the start, `head` keeps the end, `middle` keeps both ends, `none` drops it whole. */
export type TruncateStrategy = 'tail' | 'head' | 'middle' | 'none';

/** What `fit` does when the pinned items alone exceed the budget. */
export type OverflowMode = 'error' | 'report' | 'truncate-pinned';

/** One block to fit. */
export interface FitItem {
  id: string;
  /** The content to count and, if allowed, cut. */
  text: string;
  /** Higher is kept first; ties are broken by `rank`, then keep the earlier item first. */
  priority: number;
  /**
   * Tie-break at equal priority: higher is kept first and evicted last (e.g. trust: untrusted 0,
   * user 1, trusted 2). A group ranks as its lowest member. Default 0.
   */
  rank?: number;
  /** Never cut or dropped (unless `onOverflow: 'truncate-pinned'`). A group with a pinned member is kept. */
  pinned?: boolean;
  /** If truncated, keep at least this many content tokens (tokens after minus the marker's), else drop. Default 1. */
  minTokens?: number;
  /** Cap: truncate to at most this many tokens (marker included) even if the budget allows more. */
  maxTokens?: number;
  truncate: TruncateStrategy;
  /** Items sharing a group are kept or dropped together (e.g. a tool call and its result). */
  group?: string;
  /** Framing tokens this item costs when kept (message framing, boundary wrapper), computed by the caller. */
  overheadTokens?: number;
  /**
   * E.g. the content digest: the token count is cached across `fit` calls by
   * this key. With `render`, the key must also identify the rendering (e.g.
   * digest plus mode): only the full rendered count is cached, apart from raw counts.
   */
  cacheKey?: string;
  /**
   * The form in which `text` is actually sent (e.g. spotlighting: base64, a
   * marker interleaved through the words), when it costs a different number
   * of tokens than the text itself. `fit` then counts
   * `tokenizer.count(render(candidate))` for the whole text and for every cut
   * (marker included), still cuts the raw text on its grapheme boundaries,
   * and returns the raw (cut) text: the caller renders it. `tokensBefore`,
   * `tokensAfter`, `minTokens` and `maxTokens` are then in rendered tokens
   * (the marker's share being `count(render(marker))`). Must be pure.
   * A cut costs about log2(text.length) counts of rendered candidates.
   *
   * @example
   * { id: 'doc', text, priority: 1, truncate: 'tail', render: (t) => applySpotlight(t, 'encode') }
   */
  render?: (text: string) => string;
}

/** Options of `fit`. */
export interface FitOptions {
  tokenizer: Tokenizer;
  /** Whole-request budget. */
  maxTokens: number;
  /** Tokens kept free for the reply; the budget is `maxTokens - reserveOutput`. Default 0. */
  reserveOutput?: number;
  /** Per-request framing (reply priming, system preamble), computed by the caller. Default 0. */
  baseTokens?: number;
  /** Inserted at each cut; its tokens are reserved. Default `DEFAULT_TRUNCATION_MARKER`. */
  marker?: string;
  /**
   * Counts the final rendered request exactly. Called once for the check
   * count; if the joined text merges into more tokens than its parts, fit
   * trims further and measures again (at most `BUDGET_LIMITS.maxMeasureCalls` calls).
   */
  measure?: (kept: readonly FitItemResult[]) => number;
  /** Default `'error'`: throw `BudgetExceededError` naming the pinned items. */
  onOverflow?: OverflowMode;
  /**
   * Count every item for the report, even those dropped below the point where
   * the budget ran out (which otherwise are never tokenized and report
   * `tokensBefore: 0, countedPartially: true`). Default false.
   */
  countDropped?: boolean;
}

/** The outcome for one input item. */
export interface FitItemResult {
  id: string;
  /** The text to send: the original, a cut version with markers, or `''` when dropped. */
  text: string;
  status: 'kept' | 'truncated' | 'dropped';
  /** Tokens of the original text (a lower bound when `countedPartially`). */
  tokensBefore: number;
  /** Tokens of `text` (0 when dropped). Framing (`overheadTokens`) not included. */
  tokensAfter: number;
  reason?: string;
  /** Spans of the original text removed by the cut, in UTF-16 code units. */
  removed?: TextRange[];
  /**
   * True when `tokensBefore` is only a lower bound: counting stopped once the
   * item exceeded the whole budget, or (0) the item was dropped by priority
   * without needing a count (see `FitOptions.countDropped`).
   */
  countedPartially?: boolean;
}

/** One row of the budget report. */
export interface BudgetReportItem {
  id: string;
  status: 'kept' | 'truncated' | 'dropped';
  tokensBefore: number;
  tokensAfter: number;
  overheadTokens: number;
  reason?: string;
  countedPartially?: boolean;
}

/** What `fit` did and why. */
export interface BudgetReport {
  encoding: string;
  maxTokens: number;
  reserveOutput: number;
  baseTokens: number;
  /** `maxTokens - reserveOutput`. */
  budget: number;
  /** Tokens of the result: measured when `measure` was given, else base + framing + item tokens. */
  used: number;
  measured: boolean;
  /** Tokens over budget (only non-zero with `onOverflow: 'report'`). */
  shortfall: number;
  totals: {
    items: number;
    kept: number;
    truncated: number;
    dropped: number;
    /** Sum of tokensBefore (lower bound if any item was counted partially). */
    tokensBefore: number;
    /** Sum of tokensAfter over kept and truncated items. */
    tokensAfter: number;
    /** Sum of overheadTokens over kept and truncated items. */
    overheadTokens: number;
  };
  items: BudgetReportItem[];
  /** Calls into the tokenizer made by this fit (counts and cut scans). */
  tokenizerCalls: number;
  /** Item counts served from the cross-call cache (by `cacheKey`). */
  cacheHits: number;
  /** Calls to `measure`. */
  measureCalls: number;
}

/** Every input item in original order (dropped ones included), and the report. */
export interface FitResult {
  items: FitItemResult[];
  report: BudgetReport;
}
