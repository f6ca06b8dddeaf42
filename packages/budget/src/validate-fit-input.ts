import type { FitItem, FitOptions, OverflowMode } from './fit-types.js';
import { InvalidBudgetInputError } from './invalid-budget-input-error.js';
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

function fail(path: (string | number)[], value: unknown, message: string): never {
  throw new InvalidBudgetInputError({ path, value, message });
}

function checkCount(value: unknown, path: (string | number)[], max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    fail(path, value, `expected an integer from 0 to ${max}`);
  }
}

/** Checks `fit`'s arguments; throws `InvalidBudgetInputError` with the path of the first bad value. */
export function validateFitInput(items: readonly FitItem[], options: FitOptions): NormalizedFitOptions {
  if (typeof options !== 'object' || options === null) fail(['options'], options, 'expected an object');
  const { tokenizer } = options;
  if (typeof tokenizer !== 'object' || tokenizer === null || typeof tokenizer.count !== 'function') {
    fail(['options', 'tokenizer'], tokenizer, 'expected a Tokenizer with a count(text) method');
  }
  const limit = BUDGET_LIMITS.maxTokens;
  checkCount(options.maxTokens, ['options', 'maxTokens'], limit);
  const reserveOutput = options.reserveOutput ?? 0;
  checkCount(reserveOutput, ['options', 'reserveOutput'], options.maxTokens);
  const baseTokens = options.baseTokens ?? 0;
  checkCount(baseTokens, ['options', 'baseTokens'], limit);
  const marker = options.marker ?? DEFAULT_TRUNCATION_MARKER;
  if (typeof marker !== 'string' || marker.length > BUDGET_LIMITS.maxMarkerChars) {
    fail(['options', 'marker'], marker, `expected a string of at most ${BUDGET_LIMITS.maxMarkerChars} chars`);
  }
  if (options.measure !== undefined && typeof options.measure !== 'function') {
    fail(['options', 'measure'], options.measure, 'expected a function');
  }
  if (options.countDropped !== undefined && typeof options.countDropped !== 'boolean') {
    fail(['options', 'countDropped'], options.countDropped, 'expected a boolean');
  }
  const onOverflow = options.onOverflow ?? 'error';
  if (!OVERFLOW_MODES.has(onOverflow)) {
    fail(['options', 'onOverflow'], onOverflow, `expected one of ${[...OVERFLOW_MODES].join(', ')}`);
  }
  if (!Array.isArray(items)) fail(['items'], items, 'expected an array');
  if (items.length > BUDGET_LIMITS.maxItems) {
    fail(['items'], items.length, `at most ${BUDGET_LIMITS.maxItems} items`);
  }
  const ids = new Set<string>();
  for (const [i, item] of items.entries()) validateItem(item, i, ids);
  return { budget: options.maxTokens - reserveOutput, reserveOutput, baseTokens, marker, onOverflow };
}

function validateItem(item: FitItem, i: number, ids: Set<string>): void {
  const at = (key: string): (string | number)[] => ['items', i, key];
  if (typeof item !== 'object' || item === null) fail(['items', i], item, 'expected an object');
  if (typeof item.id !== 'string' || item.id === '' || item.id.length > BUDGET_LIMITS.maxIdChars) {
    fail(at('id'), item.id, `expected a non-empty string of at most ${BUDGET_LIMITS.maxIdChars} chars`);
  }
  if (ids.has(item.id)) fail(at('id'), item.id, 'duplicate id');
  ids.add(item.id);
  if (typeof item.text !== 'string' || item.text.length > BUDGET_LIMITS.maxItemChars) {
    fail(at('text'), typeof item.text, `expected a string of at most ${BUDGET_LIMITS.maxItemChars} chars`);
  }
  if (typeof item.priority !== 'number' || !Number.isFinite(item.priority)) {
    fail(at('priority'), item.priority, 'expected a finite number');
  }
  if (item.pinned !== undefined && typeof item.pinned !== 'boolean')
    fail(at('pinned'), item.pinned, 'expected a boolean');
  if (!STRATEGIES.has(item.truncate))
    fail(at('truncate'), item.truncate, 'expected tail, head, middle or none');
  for (const key of ['minTokens', 'maxTokens', 'overheadTokens'] as const) {
    if (item[key] !== undefined) checkCount(item[key], at(key), BUDGET_LIMITS.maxTokens);
  }
  if (item.maxTokens !== undefined && item.minTokens !== undefined && item.maxTokens < item.minTokens) {
    fail(at('maxTokens'), item.maxTokens, `must not be below minTokens (${item.minTokens})`);
  }
  if (item.render !== undefined && typeof item.render !== 'function')
    fail(at('render'), item.render, 'expected a function (text) => string');
  for (const key of ['group', 'cacheKey'] as const) {
    if (item[key] !== undefined && typeof item[key] !== 'string')
      fail(at(key), item[key], 'expected a string');
  }
}
