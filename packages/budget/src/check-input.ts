import { ENCODING_NAMES, type EncodingName } from './encoding-data.js';
import { InvalidBudgetInputError } from './invalid-budget-input-error.js';
import { BUDGET_LIMITS } from './limits.js';

type Path = readonly (string | number)[];

/**
 * The type of `value` in a few words, for error messages. Reads no property
 * and never stringifies, so a BigInt, a cycle, a 100k-deep array or a Proxy
 * cannot throw (or run code) while an error is being built.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} chars`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

/** Throws `InvalidBudgetInputError` at `path`: expected `expected`, got a description of `value`. */
export function invalidInput(path: Path, value: unknown, expected: string): never {
  throw new InvalidBudgetInputError({
    path,
    value,
    message: `expected ${expected}, got ${describeValue(value)}`,
  });
}

/**
 * Checks a text given to a tokenizer: a string of at most
 * `BUDGET_LIMITS.maxTextChars` UTF-16 units. The type is checked first, so a
 * symbol or a deep array meets a typed error, never a regex TypeError.
 */
export function checkText(value: unknown, path: Path): asserts value is string {
  if (typeof value !== 'string') invalidInput(path, value, 'a string');
  if (value.length > BUDGET_LIMITS.maxTextChars) {
    throw new InvalidBudgetInputError({
      path,
      value,
      message: `text is ${value.length} chars; the limit is BUDGET_LIMITS.maxTextChars = ${BUDGET_LIMITS.maxTextChars}`,
    });
  }
}

/** Checks that `value` has a `count(text)` method, the part of a `Tokenizer` that counting needs. */
export function checkCounter(value: unknown, path: Path): asserts value is { count(text: string): number } {
  if (
    (typeof value !== 'object' && typeof value !== 'function') ||
    value === null ||
    typeof (value as { count?: unknown }).count !== 'function'
  ) {
    invalidInput(path, value, 'a tokenizer with a count(text) method');
  }
}

/** Checks that `value` names an encoding this package ships. */
export function checkEncoding(value: unknown, path: Path): asserts value is EncodingName {
  if (!(ENCODING_NAMES as readonly unknown[]).includes(value)) {
    throw new InvalidBudgetInputError({
      path,
      value,
      message: `unknown encoding ${typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : describeValue(value)}; expected one of ${ENCODING_NAMES.join(', ')}`,
    });
  }
}
