import { CtxpackError, hasMarker, setMarker } from './ctxpack-error.js';

const marker: symbol = Symbol.for('ctxpack.error.invalid_argument');

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

  constructor({ path, expected, value }: { path: string; expected: string; value: unknown }) {
    const received = describeValue(value);
    super({
      code: 'invalid_argument',
      message: `Invalid argument ${path}: expected ${expected}, got ${received}`,
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

/** The type of `value` in a few words; reads no property (a Proxy or getter never runs). */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} chars`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

/** A non-null, non-array object (the shape of every options and block argument). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is a non-null, non-array
 * object. Checked before spreading an argument: spreading a 20 MB string
 * would build 20 million properties.
 */
export function assertRecord(value: unknown, path: string): asserts value is Record<string, unknown> {
  if (!isRecord(value)) throw new InvalidArgumentError({ path, expected: 'an object', value });
}

/** Throws {@link InvalidArgumentError} unless `value` is an array. */
export function assertArray(value: unknown, path: string): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError({ path, expected: 'an array', value });
}

/** Throws {@link InvalidArgumentError} unless `value` is a string. */
export function assertString(value: unknown, path: string): asserts value is string {
  if (typeof value !== 'string') throw new InvalidArgumentError({ path, expected: 'a string', value });
}
