import { CtxpackError, hasMarker, setMarker } from '@ctxpack/block';

const marker: symbol = Symbol.for('ctxpack.error.sign');

/** Stable codes of {@link SignError}. */
export type SignErrorCode =
  /** A public or secret key that is malformed, non-canonical, small-order or the identity. */
  | 'invalid_key'
  /** A keyring entry that is malformed or duplicated. */
  | 'invalid_keyring'
  /** Arguments of signManifest / createLeaf / proofs that cannot be signed as given. */
  | 'invalid_sign_input'
  /** The in-memory replay store is full of unexpired nonces; it fails closed. */
  | 'replay_store_full';

/**
 * Thrown by key import, keyrings, signing and replay stores on bad input —
 * everything except a failed verification, which is a {@link VerificationError}.
 * `path` names the offending argument or field.
 *
 * @example
 * try { importPublicKey(hex) } catch (e) {
 *   if (SignError.isInstance(e) && e.code === 'invalid_key') console.error(e.reason);
 * }
 */
export class SignError extends CtxpackError {
  override readonly code: SignErrorCode;
  readonly path: string;
  /** A finer, stable reason, e.g. `small_order`, `non_canonical`, `length`. */
  readonly reason: string | undefined;

  constructor(options: {
    code: SignErrorCode;
    message: string;
    path: string;
    reason?: string;
    cause?: unknown;
  }) {
    super({ code: options.code, message: `${options.message} (at ${options.path})`, cause: options.cause });
    this.name = 'SignError';
    this.code = options.code;
    this.path = options.path;
    this.reason = options.reason;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is SignError {
    return hasMarker(error, marker);
  }
}
