import { invalidInput, readOptions } from './assert-input.js';
import { SignError } from './sign-error.js';

/**
 * Remembers which payload nonces were already accepted. `claim` must be atomic:
 * of any number of concurrent claims of one nonce (across all verifier
 * instances sharing the store), exactly one resolves `true`. The store may
 * forget a nonce after `expiresAt` (epoch ms), when its payload no longer
 * verifies anyway.
 */
export interface ReplayStore {
  claim(nonce: string, expiresAt: number): Promise<boolean>;
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most unexpired nonces held at once (default 100,000). When full the store fails closed. */
  maxEntries?: number;
  /** Clock, epoch ms (for tests). */
  now?: () => number;
}

/**
 * The embedded, single-process replay store: a bounded map of nonce →
 * expiry. Expired nonces are swept only when the map is full, so a nonce is
 * refused for at least as long as its payload can verify. When it is full of unexpired
 * nonces, `claim` rejects with `replay_store_full` rather than forgetting a
 * nonce that could then be replayed. Share one store across verifier
 * instances with `@ctxpack/replay-redis`.
 *
 * @example
 * const replay = createMemoryReplayStore({ maxEntries: 10_000 });
 * await verifyEnvelope(input, { keys, tenant: 'acme', replay });
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const opts = readOptions(options, 'options');
  const maxEntries = opts.maxEntries ?? 100_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new SignError({
      code: 'invalid_sign_input',
      message: 'maxEntries must be a positive integer',
      path: 'options.maxEntries',
    });
  }
  if (opts.now !== undefined && typeof opts.now !== 'function')
    invalidInput('options.now', 'a clock function', opts.now);
  const now = opts.now ?? Date.now;
  const seen = new Map<string, number>();
  // Earliest expiry held; a sweep before then would find nothing to drop.
  let nextExpiry = Number.POSITIVE_INFINITY;

  function sweep(at: number): void {
    if (at < nextExpiry) return;
    nextExpiry = Number.POSITIVE_INFINITY;
    for (const [nonce, expiresAt] of seen) {
      if (expiresAt <= at) seen.delete(nonce);
      else if (expiresAt < nextExpiry) nextExpiry = expiresAt;
    }
  }

  return {
    claim(nonce: string, expiresAt: number): Promise<boolean> {
      if (
        typeof nonce !== 'string' ||
        nonce.length === 0 ||
        nonce.length > 1024 ||
        !Number.isFinite(expiresAt)
      ) {
        return Promise.reject(
          new SignError({
            code: 'invalid_sign_input',
            message: 'claim needs a nonce (1–1024 chars) and a finite expiresAt',
            path: 'nonce',
          }),
        );
      }
      // A nonce still held is refused even if the store's clock says it expired:
      // the verifier may run on another clock, and refusing is the safe side.
      if (seen.has(nonce)) return Promise.resolve(false);
      const at = now();
      if (seen.size >= maxEntries) sweep(at);
      if (seen.size >= maxEntries) {
        return Promise.reject(
          new SignError({
            code: 'replay_store_full',
            message: `replay store holds ${maxEntries} unexpired nonces; refusing rather than forgetting one`,
            path: 'nonce',
          }),
        );
      }
      seen.set(nonce, expiresAt);
      if (expiresAt < nextExpiry) nextExpiry = expiresAt;
      return Promise.resolve(true);
    },
  };
}
