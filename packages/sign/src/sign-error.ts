import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.sign');

/** Stable codes of {@link SignError}. */
export type SignErrorCode =
  /** The in-memory replay store is full of unexpired nonces; it fails closed. */
  'replay_store_full';

/**
 * A signing-side failure that is not the caller's argument (those are
 * `InvalidArgumentError`, `invalid_argument`) and not a failed verification
 * (a {@link VerificationError}): today, a memory replay store that is full.
 *
 * @example
 * try { await store.claim(nonce, { expiresAt }) } catch (e) {
 *   if (SignError.isInstance(e) && e.code === 'replay_store_full') shedLoad();
 * }
 */
export class SignError extends CtxpackError {
  override readonly code: SignErrorCode;
  readonly path: string;

  constructor(options: { code: SignErrorCode; message: string; path: string; cause?: unknown }) {
    super({ code: options.code, message: `${options.message} (at ${options.path})`, cause: options.cause });
    this.name = 'SignError';
    this.code = options.code;
    this.path = options.path;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is SignError {
    return hasMarker(error, marker);
  }
}
