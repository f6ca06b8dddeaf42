/**
 * What `fit` and the rest of ctxpack need from a tokenizer. Implement it to
 * plug in another tokenizer (gpt-tokenizer, a provider's own).
 */
export interface Tokenizer {
  /** Name of the encoding, e.g. `o200k_base`. */
  readonly encoding: string;
  /** Number of tokens in `text`; equal to `encode(text).length` for exact tokenizers. */
  count(text: string): number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

/**
 * Operations fit uses on its own tokenizers to cut long texts lazily: they
 * tokenize only the part that is kept plus a bounded look-ahead.
 * @internal
 */
export interface NativeOps {
  /** Token count of `text`, stopping as soon as it exceeds `limit` (the result is then > limit, a lower bound). */
  countUpTo(text: string, limit: number): number;
  /** Largest code-point offset `end` at a token boundary of the piece stream with at most `maxTokens` tokens before it. */
  prefixEnd(text: string, maxTokens: number): number;
  /** Smallest code-point offset `start` at a token boundary with at most `maxTokens` tokens after it. */
  suffixStart(text: string, maxTokens: number): number;
}

const nativeOps = new WeakMap<Tokenizer, NativeOps>();

/** The lazy-cutting operations of a tokenizer made by this package, or undefined for a foreign one. */
export function getNativeOps(tokenizer: Tokenizer): NativeOps | undefined {
  return nativeOps.get(tokenizer);
}

/** Registers lazy-cutting operations for a tokenizer built on one of ours (e.g. the estimator). */
export function setNativeOps(tokenizer: Tokenizer, ops: NativeOps): void {
  nativeOps.set(tokenizer, ops);
}
