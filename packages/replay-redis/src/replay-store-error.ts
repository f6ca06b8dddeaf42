import { CtxpackError, hasMarker, setMarker } from '@ctxpack/block';

const marker: symbol = Symbol.for('ctxpack.error.replay_store_unavailable');

/**
 * The shared replay store could not answer (Redis down, timeout, bad reply).
 * Verification fails closed on it: a payload is never accepted without a
 * successful claim of its nonce.
 *
 * @example
 * catch (e) { if (ReplayStoreUnavailableError.isInstance(e)) alertOps(e.cause) }
 */
export class ReplayStoreUnavailableError extends CtxpackError {
  override readonly code: 'replay_store_unavailable' | 'invalid_replay_store_input';
  /** The nonce (or option) that was being claimed. */
  readonly path: string;

  constructor(options: {
    code?: 'replay_store_unavailable' | 'invalid_replay_store_input';
    message: string;
    path: string;
    cause?: unknown;
  }) {
    const code = options.code ?? 'replay_store_unavailable';
    super({ code, message: `${options.message} (at ${options.path})`, cause: options.cause });
    this.name = 'ReplayStoreUnavailableError';
    this.code = code;
    this.path = options.path;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is ReplayStoreUnavailableError {
    return hasMarker(error, marker);
  }
}
