import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';
import { TARGETS } from './target.js';

const marker: symbol = Symbol.for('ctxpack.error.unsupported_target');

/** The requested target is not one ctxpack renders. */
export class UnsupportedTargetError extends CtxpackError {
  readonly target: unknown;

  constructor({ target }: { target: unknown }) {
    super({
      code: 'unsupported_target',
      message: `Unsupported target ${typeof target === 'string' ? JSON.stringify(target.slice(0, 64)) : `(${typeof target})`}; use one of ${TARGETS.join(', ')}`,
    });
    this.name = 'UnsupportedTargetError';
    this.target = target;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is UnsupportedTargetError {
    return hasMarker(error, marker);
  }
}
