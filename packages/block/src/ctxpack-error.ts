const errorMarker: symbol = Symbol.for('ctxpack.error');

/** Options shared by every ctxpack error constructor. */
export interface CtxpackErrorOptions {
  /** Stable, machine-readable code, e.g. `invalid_block`, `signature_invalid`. */
  code: string;
  message: string;
  cause?: unknown;
}

/**
 * Base class of every error ctxpack throws. `code` is stable across releases;
 * messages are for humans and may change.
 *
 * Use `CtxpackError.isInstance(e)` (or a subclass's `isInstance`) instead of
 * `instanceof`: it works across duplicate installs of the package, because the
 * check rests on a `Symbol.for` marker rather than on class identity.
 *
 * @example
 * try { parseBlock(input) } catch (e) {
 *   if (InvalidBlockError.isInstance(e)) console.error(e.code, e.issues);
 * }
 */
export class CtxpackError extends Error {
  readonly code: string;

  constructor({ code, message, cause }: CtxpackErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CtxpackError';
    this.code = code;
    setMarker(this, errorMarker);
  }

  static isInstance(error: unknown): error is CtxpackError {
    return hasMarker(error, errorMarker);
  }
}

/**
 * True when `error` carries the `Symbol.for` marker `marker`. Subclasses use it
 * to implement their own `isInstance` with a marker of their own.
 */
export function hasMarker(error: unknown, marker: symbol): boolean {
  // A non-symbol marker would be converted to a property key, running its toString.
  if (typeof marker !== 'symbol') return false;
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
}

/** Brands `error` with `marker` (non-enumerable), for `hasMarker` to find. */
export function setMarker(error: object, marker: symbol): void {
  if (
    (typeof error !== 'object' && typeof error !== 'function') ||
    error === null ||
    typeof marker !== 'symbol'
  ) {
    throw new CtxpackError({
      code: 'invalid_argument',
      message: 'setMarker expects an object and a symbol (use Symbol.for)',
    });
  }
  Object.defineProperty(error, marker, { value: true, enumerable: false });
}
