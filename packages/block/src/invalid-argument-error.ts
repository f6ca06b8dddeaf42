import { CtxpackError, hasMarker, setMarker } from './ctxpack-error.js';
import { describeValue } from './describe-value.js';

const marker: symbol = Symbol.for('ctxpack.error.invalid_argument');

/** What an {@link InvalidArgumentError} is built from. */
export interface InvalidArgumentErrorOptions {
  /** The argument, e.g. `options.source` or `blocks[3].content`. */
  path: string;
  /** What belongs there, as a noun phrase: `an object`, `one of "a", "b"`. */
  expected: string;
  /** The value received; only its type and size are described (see describeValue). */
  value: unknown;
  cause?: unknown;
}

/**
 * Thrown when a public function gets an argument of the wrong type or shape
 * (a string where an options object belongs, `null` for a block…). `path`
 * names the argument (e.g. `options.source`); `received` describes the value
 * without calling into it, so a hostile value cannot run code here.
 *
 * @example
 * try { ctx.toolResult(text, null as never) } catch (e) {
 *   if (InvalidArgumentError.isInstance(e)) console.error(e.path, e.expected, e.received);
 * }
 */
export class InvalidArgumentError extends CtxpackError {
  readonly path: string;
  readonly expected: string;
  readonly received: string;

  constructor({ path: rawPath, expected: rawExpected, value, cause }: InvalidArgumentErrorOptions) {
    // Total on any input, like describeValue: a symbol or a Proxy here must not throw while the error is built.
    const path = typeof rawPath === 'string' ? rawPath : `(${describeValue(rawPath)})`;
    const expected = typeof rawExpected === 'string' ? rawExpected : `(${describeValue(rawExpected)})`;
    const received = describeValue(value);
    super({
      code: 'invalid_argument',
      message: `Invalid argument ${path}: expected ${expected}, got ${received}`,
      cause,
    });
    this.name = 'InvalidArgumentError';
    this.path = path;
    this.expected = expected;
    this.received = received;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is InvalidArgumentError {
    return hasMarker(error, marker);
  }
}
