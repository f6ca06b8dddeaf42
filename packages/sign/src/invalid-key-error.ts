import { InvalidArgumentError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.invalid_key');

/** Why a key was refused (see {@link InvalidKeyError}). */
export type InvalidKeyReason =
  | 'encoding'
  | 'length'
  | 'algorithm'
  | 'non_canonical'
  | 'small_order'
  | 'mismatch';

/**
 * A key argument that is not an acceptable Ed25519 key: an
 * `InvalidArgumentError` (code `invalid_argument`, `path`, `expected`,
 * `received`) with a finer, stable `reason`.
 *
 * @example
 * try { importPublicKey(hex) } catch (e) {
 *   if (InvalidKeyError.isInstance(e) && e.reason === 'small_order') console.error('forgeable key', e.path);
 * }
 */
export class InvalidKeyError extends InvalidArgumentError {
  readonly reason: InvalidKeyReason;

  constructor(options: {
    path: string;
    expected: string;
    value: unknown;
    reason: InvalidKeyReason;
    cause?: unknown;
  }) {
    super(options);
    this.name = 'InvalidKeyError';
    this.reason = options.reason;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is InvalidKeyError {
    return hasMarker(error, marker);
  }
}
