import { PieceCache } from './piece-cache.js';
import type { Tokenizer } from './tokenizer.js';

/** A cached count: exact, or (when counting stopped early) a lower bound. */
export interface CachedCount {
  /** Length of the text it was computed for: a cheap guard against a reused key. */
  readonly length: number;
  readonly tokens: number;
  readonly exact: boolean;
}

/** Counts kept per tokenizer, across `fit` calls, by the items' `cacheKey`. */
const COUNT_CACHE_CAPACITY = 65_536;
const caches = new WeakMap<Tokenizer, PieceCache<CachedCount>>();

/** The cross-call count cache of `tokenizer` (created on first use; weakly held with the tokenizer). */
export function countCacheFor(tokenizer: Tokenizer): PieceCache<CachedCount> {
  let cache = caches.get(tokenizer);
  if (cache === undefined) {
    cache = new PieceCache<CachedCount>(COUNT_CACHE_CAPACITY);
    caches.set(tokenizer, cache);
  }
  return cache;
}
