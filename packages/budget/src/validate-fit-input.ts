import { checkCounter, invalidInput, overLimit } from './check-input.js';
import type { FitItem, FitOptions, OverflowMode } from './fit-types.js';
import { BUDGET_LIMITS } from './limits.js';

const STRATEGIES: ReadonlySet<string> = new Set(['tail', 'head', 'middle', 'none']);
const OVERFLOW_MODES: ReadonlySet<string> = new Set(['error', 'report', 'truncate-pinned']);

/** Default truncation marker: a line of its own, so it does not merge into the cut words. */
export const DEFAULT_TRUNCATION_MARKER = '\n[…truncated…]\n';

export interface NormalizedFitOptions {
  budget: number;
  reserveOutput: number;
  baseTokens: number;
  marker: string;
  onOverflow: OverflowMode;
}

type Path = (string | number)[];

/**
 * A token count: a non-negative safe integer (else `InvalidArgumentError`),
 * at most `BUDGET_LIMITS.maxTokens` (else `BudgetLimitError`) and, when
 * `within` is given, at most that other option (a relation between
 * arguments, so `InvalidArgumentError`).
 */
function checkCount(value: unknown, path: Path, within?: { name: string; value: number }): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalidInput(path, value, 'a non-negative integer');
  }
  if (value > BUDGET_LIMITS.maxTokens) overLimit(path, 'maxTokens', value, 'tokens');
  if (within !== undefined && value > within.value) {
    invalidInput(path, value, `an integer from 0 to ${within.name} (${within.value})`);
  }
}

/** A string argument: `InvalidArgumentError` for another type, `BudgetLimitError` past `limit` chars. */
function checkString(
  value: unknown,
  path: Path,
  limit: 'maxIdChars' | 'maxItemChars' | 'maxMarkerChars',
): void {
  if (typeof value !== 'string') invalidInput(path, value, 'a string');
  if (value.length > BUDGET_LIMITS[limit]) overLimit(path, limit, value.length, 'chars');
}

/**
 * Checks `fit`'s arguments: a wrong type or shape is an `InvalidArgumentError`,
 * a well-typed value over `BUDGET_LIMITS` a `BudgetLimitError`, each with the
 * path of the first bad value.
 */
export function validateFitInput(items: readonly FitItem[], options: FitOptions): NormalizedFitOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    invalidInput(['options'], options, 'an options object');
  }
  const { tokenizer } = options;
  checkCounter(tokenizer, ['options', 'tokenizer']);
  checkCount(options.maxTokens, ['options', 'maxTokens']);
  const reserveOutput = options.reserveOutput ?? 0;
  checkCount(reserveOutput, ['options', 'reserveOutput'], { name: 'maxTokens', value: options.maxTokens });
  const baseTokens = options.baseTokens ?? 0;
  checkCount(baseTokens, ['options', 'baseTokens']);
  const marker = options.marker ?? DEFAULT_TRUNCATION_MARKER;
  checkString(marker, ['options', 'marker'], 'maxMarkerChars');
  if (options.measure !== undefined && typeof options.measure !== 'function') {
    invalidInput(['options', 'measure'], options.measure, 'a function');
  }
  if (options.countDropped !== undefined && typeof options.countDropped !== 'boolean') {
    invalidInput(['options', 'countDropped'], options.countDropped, 'a boolean');
  }
  const onOverflow = options.onOverflow ?? 'error';
  if (!OVERFLOW_MODES.has(onOverflow)) {
    invalidInput(['options', 'onOverflow'], onOverflow, `one of ${[...OVERFLOW_MODES].join(', ')}`);
  }
  if (!Array.isArray(items)) invalidInput(['items'], items, 'an array');
  if (items.length > BUDGET_LIMITS.maxItems) overLimit(['items'], 'maxItems', items.length, 'items');
  const ids = new Set<string>();
  for (const [i, item] of items.entries()) validateItem(item, i, ids);
  return { budget: options.maxTokens - reserveOutput, reserveOutput, baseTokens, marker, onOverflow };
}

function validateItem(item: FitItem, i: number, ids: Set<string>): void {
  const at = (key: string): Path => ['items', i, key];
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    invalidInput(['items', i], item, 'an item object');
  }
  checkString(item.id, at('id'), 'maxIdChars');
  if (item.id === '') invalidInput(at('id'), item.id, 'a non-empty string');
  if (ids.has(item.id)) invalidInput(at('id'), item.id, 'an id no earlier item has (duplicate id)');
  ids.add(item.id);
  checkString(item.text, at('text'), 'maxItemChars');
  if (typeof item.priority !== 'number' || !Number.isFinite(item.priority)) {
    invalidInput(at('priority'), item.priority, 'a finite number');
  }
  if (item.rank !== undefined && (typeof item.rank !== 'number' || !Number.isFinite(item.rank)))
    invalidInput(at('rank'), item.rank, 'a finite number');
  if (item.pinned !== undefined && typeof item.pinned !== 'boolean')
    invalidInput(at('pinned'), item.pinned, 'a boolean');
  if (!STRATEGIES.has(item.truncate))
    invalidInput(at('truncate'), item.truncate, 'one of tail, head, middle, none');
  for (const key of ['minTokens', 'maxTokens', 'overheadTokens'] as const) {
    if (item[key] !== undefined) checkCount(item[key], at(key));
  }
  if (item.maxTokens !== undefined && item.minTokens !== undefined && item.maxTokens < item.minTokens) {
    invalidInput(at('maxTokens'), item.maxTokens, `an integer of at least minTokens (${item.minTokens})`);
  }
  if (item.render !== undefined && typeof item.render !== 'function')
    invalidInput(at('render'), item.render, 'a function (text) => string');
  for (const key of ['group', 'cacheKey'] as const) {
    if (item[key] !== undefined && typeof item[key] !== 'string')
      invalidInput(at(key), item[key], 'a string');
  }
}
