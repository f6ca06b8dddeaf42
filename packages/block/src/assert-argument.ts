import { describeValue } from './describe-value.js';
import { InvalidArgumentError } from './invalid-argument-error.js';
import { isWellFormed } from './well-formed.js';

/** Bounds are arguments too: a non-integer bound is the caller's mistake, not a crash while the message is built. */
function checkBound(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError({ path: name, expected: 'a safe integer', value });
  }
}

/** At most this many choices are listed in an assertOneOf message. */
const MAX_LISTED_CHOICES = 16;

/**
 * A non-null, non-array object: the shape of every options and block argument.
 *
 * @example
 * isRecord({}); // true
 * isRecord([]); // false
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is a non-null, non-array
 * object. Checked before spreading an argument: spreading a 20 MB string
 * would build 20 million properties.
 *
 * @example
 * assertRecord(options, 'options');
 */
export function assertRecord(value: unknown, path: string): asserts value is Record<string, unknown> {
  if (!isRecord(value)) throw new InvalidArgumentError({ path, expected: 'an object', value });
}

/**
 * `options ?? {}`, refusing anything else that is not an object.
 *
 * @example
 * const { ttl } = readOptions(options, 'options');
 */
export function readOptions<T extends object>(value: T | undefined, path: string): Partial<T> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new InvalidArgumentError({ path, expected: 'an options object', value });
  return value;
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is an array of at most
 * `maxItems` items (unbounded when omitted).
 *
 * @example
 * assertArray(blocks, 'blocks', 10_000);
 */
export function assertArray(
  value: unknown,
  path: string,
  maxItems?: number,
): asserts value is readonly unknown[] {
  if (maxItems !== undefined) checkBound(maxItems, 'maxItems');
  if (!Array.isArray(value)) throw new InvalidArgumentError({ path, expected: 'an array', value });
  if (maxItems !== undefined && value.length > maxItems) {
    throw new InvalidArgumentError({ path, expected: `an array of at most ${maxItems} items`, value });
  }
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is a string of at most
 * `maxChars` UTF-16 code units (unbounded when omitted).
 *
 * @example
 * assertString(tenant, 'options.tenant', 256);
 */
export function assertString(value: unknown, path: string, maxChars?: number): asserts value is string {
  if (maxChars !== undefined) checkBound(maxChars, 'maxChars');
  if (typeof value !== 'string') throw new InvalidArgumentError({ path, expected: 'a string', value });
  if (maxChars !== undefined && value.length > maxChars) {
    throw new InvalidArgumentError({ path, expected: `a string of at most ${maxChars} chars`, value });
  }
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is a string without a
 * lone surrogate (see {@link isWellFormed}): JSON (RFC 8785, I-JSON) and
 * UTF-8 cannot carry one.
 *
 * @example
 * assertWellFormed(text, 'call.arguments');
 */
export function assertWellFormed(value: unknown, path: string): asserts value is string {
  if (typeof value !== 'string' || !isWellFormed(value)) {
    throw new InvalidArgumentError({ path, expected: 'a well-formed string (no lone surrogate)', value });
  }
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is a Uint8Array, of
 * exactly `length` bytes when given.
 *
 * @example
 * assertBytes(seed, 'seed', 32);
 */
export function assertBytes(value: unknown, path: string, length?: number): asserts value is Uint8Array {
  if (length !== undefined) checkBound(length, 'length');
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) {
    const expected = length === undefined ? 'a Uint8Array' : `a Uint8Array of ${length} bytes`;
    throw new InvalidArgumentError({ path, expected, value });
  }
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is a safe integer in
 * `[min, max]` (defaults: 0 and `Number.MAX_SAFE_INTEGER`).
 *
 * @example
 * assertInteger(options.ttlSeconds, 'options.ttlSeconds', 1, 86_400);
 */
export function assertInteger(
  value: unknown,
  path: string,
  min = 0,
  max: number = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  checkBound(min, 'min');
  checkBound(max, 'max');
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError({ path, expected: `an integer from ${min} to ${max}`, value });
  }
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is one of `allowed`
 * (compared with `===`, so a string is never coerced).
 *
 * @example
 * assertOneOf(options.spotlight, 'options.spotlight', ['delimit', 'datamark', 'encode']);
 */
export function assertOneOf<const T extends string | number | boolean>(
  value: unknown,
  path: string,
  allowed: readonly T[],
): asserts value is T {
  if (!Array.isArray(allowed)) {
    throw new InvalidArgumentError({ path: 'allowed', expected: 'an array', value: allowed });
  }
  for (const choice of allowed) if (value === choice) return;
  let list = '';
  for (let i = 0; i < allowed.length && i < MAX_LISTED_CHOICES; i++) {
    const choice: unknown = allowed[i];
    list += `${i === 0 ? '' : ', '}${typeof choice === 'string' ? JSON.stringify(choice) : describeValue(choice)}`;
  }
  if (allowed.length > MAX_LISTED_CHOICES) list += `, … (${allowed.length} in all)`;
  throw new InvalidArgumentError({ path, expected: `one of ${list}`, value });
}
