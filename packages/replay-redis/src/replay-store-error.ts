import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.replay_store_unavailable');

/**
 * The shared replay store could not answer (Redis down, timeout, bad reply).
 * Verification fails closed on it: a payload is never accepted without a
 * successful claim of its nonce. (A wrong argument is `InvalidArgumentError`.)
 *
 * @example
 * catch (e) { if (ReplayStoreUnavailableError.isInstance(e)) alertOps(e.cause) }
 */
export class ReplayStoreUnavailableError extends CtxpackError {
  override readonly code: 'replay_store_unavailable';
  /** What was being claimed. */
  readonly path: string;

  constructor(options: { message: string; path: string; cause?: unknown }) {
    super({
      code: 'replay_store_unavailable',
      message: `${options.message} (at ${options.path})`,
      cause: options.cause,
    });
    this.name = 'ReplayStoreUnavailableError';
    this.code = 'replay_store_unavailable';
    this.path = options.path;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is ReplayStoreUnavailableError {
    return hasMarker(error, marker);
  }
}
