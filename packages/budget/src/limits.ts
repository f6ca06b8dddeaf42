/**
 * Size limits `fit` and the tokenizers enforce, so that hostile input meets a
 * typed error rather than unbounded work.
 */
export const BUDGET_LIMITS: {
  readonly maxItems: number;
  readonly maxItemChars: number;
  readonly maxTextChars: number;
  readonly maxIdChars: number;
  readonly maxMarkerChars: number;
  readonly maxTokens: number;
  readonly maxMeasureCalls: number;
} = Object.freeze({
  maxItems: 100_000,
  /** 16 Mi UTF-16 code units per item, the block package's content limit. */
  maxItemChars: 16 * 1024 * 1024,
  /**
   * 16 Mi UTF-16 code units per `count`/`encode` call (and token ids per
   * `decode`): the largest block. Counting a text of this size takes at most
   * about 3.6 s on a 2-vCPU machine in the worst case measured (a 16 Mi-char
   * run of one 3-byte character is one pre-tokenizer piece of 48 MiB).
   */
  maxTextChars: 16 * 1024 * 1024,
  maxIdChars: 256,
  maxMarkerChars: 1024,
  /** Largest accepted `maxTokens`; far above any model's context window. */
  maxTokens: 100_000_000,
  /** `measure` is called at most this many times per `fit` (one check plus bounded fix-ups). */
  maxMeasureCalls: 10,
});
