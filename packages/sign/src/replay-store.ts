import { InvalidArgumentError } from '@ctxpack/block';
import { assertInteger, readOptions } from '@ctxpack/block/kernel';
import { SignError } from './sign-error.js';

/** Most characters of a nonce a replay store accepts (ctxpack's are 22). */
export const MAX_NONCE_CHARS = 1024;

/** What a verifier asks a {@link ReplayStore} to hold. */
export interface ReplayClaim {
  /**
   * Epoch ms until which the nonce must be held: the envelope's own
   * `expiresAt` plus the verifier's skew, taken from the signed manifest (not
   * from the verifier's clock). The store measures it on its own clock.
   */
  holdUntil: number;
}

/**
 * The outcome of a claim: `claimed` (first sight: accept), `replayed` (held
 * already: refuse), or `expired` (the hold time has already passed on the
 * store's clock: refuse, since the store could not hold it).
 */
export type ReplayOutcome = 'claimed' | 'replayed' | 'expired';

/**
 * Remembers which payload nonces were already accepted. `claim` must be atomic:
 * of any number of concurrent claims of one nonce (across all verifier
 * instances sharing the store), at most one resolves `claimed`. A store holds
 * a nonce until `holdUntil` on its own clock, and answers `expired` to a claim
 * whose `holdUntil` its clock has passed — so a verifier whose clock lags
 * cannot replay a payload the store has already forgotten.
 */
export interface ReplayStore {
  claim(nonce: string, claim: ReplayClaim): Promise<ReplayOutcome>;
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most unexpired nonces held at once (default 100,000). When full the store fails closed. */
  maxEntries?: number;
  /** The store's clock, epoch ms (for tests; default `Date.now`). */
  now?: () => number;
}

/**
 * The hold time of a claim, after checking that `nonce` and `claim` are what
 * {@link ReplayStore.claim} takes; for store implementations.
 *
 * @throws {InvalidArgumentError} `invalid_argument`.
 * @example
 * const holdUntil = checkReplayClaim(nonce, claim); // epoch ms
 */
export function checkReplayClaim(nonce: unknown, claim: unknown): number {
  if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > MAX_NONCE_CHARS) {
    throw new InvalidArgumentError({
      path: 'nonce',
      expected: `a nonce of 1–${MAX_NONCE_CHARS} chars`,
      value: nonce,
    });
  }
  const holdUntil = readOptions(claim as ReplayClaim | undefined, 'claim').holdUntil;
  assertInteger(holdUntil, 'claim.holdUntil', 0, 8.64e15);
  return holdUntil;
}

/**
 * The embedded, single-process replay store: a bounded map of nonce →
 * hold time. Expired nonces are swept only when the map is full, so a nonce
 * is refused for at least as long as it was asked to be held. When it is
 * full of unexpired nonces, `claim` rejects with `replay_store_full` rather
 * than forget a nonce that could then be replayed. Share one store across
 * verifier instances with `@ctxpack/replay-redis`.
 *
 * @example
 * const replay = createMemoryReplayStore({ maxEntries: 10_000 });
 * await verifyEnvelope(input, { keys, tenant: 'acme', audience: 'gateway', replay });
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const opts = readOptions(options, 'options');
  const maxEntries = opts.maxEntries ?? 100_000;
  assertInteger(maxEntries, 'options.maxEntries', 1, 100_000_000);
  if (opts.now !== undefined && typeof opts.now !== 'function') {
    throw new InvalidArgumentError({ path: 'options.now', expected: 'a clock function', value: opts.now });
  }
  const now = opts.now ?? Date.now;
  const seen = new Map<string, number>();
  // Earliest hold time held; a sweep before then would find nothing to drop.
  let nextExpiry = Number.POSITIVE_INFINITY;

  function sweep(at: number): void {
    if (at < nextExpiry) return;
    nextExpiry = Number.POSITIVE_INFINITY;
    for (const [nonce, holdUntil] of seen) {
      if (holdUntil <= at) seen.delete(nonce);
      else if (holdUntil < nextExpiry) nextExpiry = holdUntil;
    }
  }

  function claimNow(nonce: unknown, claim: unknown): ReplayOutcome {
    const holdUntil = checkReplayClaim(nonce, claim);
    const key = nonce as string;
    // A nonce still held is refused even if it is past its hold time: refusing is the safe side.
    if (seen.has(key)) return 'replayed';
    const at = now();
    if (holdUntil <= at) return 'expired';
    if (seen.size >= maxEntries) sweep(at);
    if (seen.size >= maxEntries) {
      throw new SignError({
        code: 'replay_store_full',
        message: `replay store holds ${maxEntries} unexpired nonces; refusing rather than forgetting one`,
        path: 'nonce',
      });
    }
    seen.set(key, holdUntil);
    if (holdUntil < nextExpiry) nextExpiry = holdUntil;
    return 'claimed';
  }

  return {
    claim(nonce: string, claim: ReplayClaim): Promise<ReplayOutcome> {
      try {
        return Promise.resolve(claimNow(nonce, claim));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
