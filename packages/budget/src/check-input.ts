import { InvalidArgumentError } from '@ctxpack/block';
import { assertOneOf, formatPath } from '@ctxpack/block/kernel';
import { BudgetLimitError } from './budget-limit-error.js';
import { ENCODING_NAMES, type EncodingName } from './encoding-data.js';
import { BUDGET_LIMITS } from './limits.js';

type Path = readonly (string | number)[];

/** Throws `InvalidArgumentError` at `path`: expected `expected`, got a description of `value`. */
export function invalidInput(path: Path, value: unknown, expected: string): never {
  throw new InvalidArgumentError({ path: formatPath(path), expected, value });
}

/** Throws `BudgetLimitError`: `actual` (in `unit`) is over `BUDGET_LIMITS[limit]`. */
export function overLimit(
  path: Path,
  limit: keyof typeof BUDGET_LIMITS,
  actual: number,
  unit: string,
): never {
  throw new BudgetLimitError({ path, limit, max: BUDGET_LIMITS[limit], actual, unit });
}

/**
 * Checks a text given to a tokenizer: a string of at most
 * `BUDGET_LIMITS.maxTextChars` UTF-16 units. The type is checked first, so a
 * symbol or a deep array meets a typed error, never a regex TypeError.
 */
export function checkText(value: unknown, path: Path): asserts value is string {
  if (typeof value !== 'string') invalidInput(path, value, 'a string');
  if (value.length > BUDGET_LIMITS.maxTextChars) overLimit(path, 'maxTextChars', value.length, 'chars');
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
  assertOneOf(value, formatPath(path), ENCODING_NAMES);
}
