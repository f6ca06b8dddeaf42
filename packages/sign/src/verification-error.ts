import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.verification');

/**
 * Which check failed, in the order verification runs them (docs/design.md invariant 6):
 * the envelope's shape, the signature threshold, key validity, tenant and
 * audience, the time window, the Merkle tree, content and request digests, and
 * last the replay store.
 */
export type VerificationErrorCode =
  | 'malformed_envelope'
  /** The request body received is not strict JSON (verifyPayload with `body`), checked before any digest. */
  | 'body_invalid'
  | 'signature_invalid'
  | 'key_unknown'
  | 'key_revoked'
  | 'tenant_mismatch'
  | 'audience_mismatch'
  | 'not_yet_valid'
  | 'expired'
  | 'proof_invalid'
  | 'digest_mismatch'
  | 'replayed';

/** Fields of a {@link VerificationError}. */
export interface VerificationErrorOptions {
  code: VerificationErrorCode;
  message: string;
  /** Where in the envelope or input the problem is, e.g. `signatures[1].sig`, `leaves[3]`. */
  path?: string;
  cause?: unknown;
}

/**
 * The one error a failed verification throws. `code` names the failed check;
 * nothing in the envelope is trusted when it is thrown.
 *
 * @example
 * try { await verifyEnvelope(input, { keys, tenant: 'acme', audience: 'gateway', replay }) } catch (e) {
 *   if (VerificationError.isInstance(e) && e.code === 'expired') refresh();
 * }
 */
export class VerificationError extends CtxpackError {
  override readonly code: VerificationErrorCode;
  readonly path: string | undefined;

  constructor({ code, message, path, cause }: VerificationErrorOptions) {
    super({ code, message: path === undefined ? message : `${message} (at ${path})`, cause });
    this.name = 'VerificationError';
    this.code = code;
    this.path = path;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is VerificationError {
    return hasMarker(error, marker);
  }
}
