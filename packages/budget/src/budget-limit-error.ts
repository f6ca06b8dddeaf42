import { CtxpackError } from '@ctxpack/block';
import { formatPath, hasMarker, setMarker } from '@ctxpack/block/kernel';
import { BUDGET_LIMITS } from './limits.js';

const marker: symbol = Symbol.for('ctxpack.error.budget_limit_exceeded');

/**
 * Thrown when an argument of the right type is over one of `BUDGET_LIMITS`
 * (more than `maxItems` items, a text over `maxTextChars`, a `maxTokens`
 * above `BUDGET_LIMITS.maxTokens`…). A wrong type or shape is an
 * `InvalidArgumentError` instead.
 *
 * Why a code of its own: `invalid_argument` says the caller's code is wrong
 * and will fail the same way every time; this one says the call was right
 * but the data it carried (a context that grew, a huge tool result) is
 * larger than the package bounds its work to. A caller can recover from it
 * by shrinking or splitting the input, and a gateway can report it as
 * "too large" rather than as a bug.
 *
 * @example
 * try { tokenizer.count(hugeText) } catch (e) {
 *   if (BudgetLimitError.isInstance(e)) console.error(e.path, e.limit, e.actual, e.max);
 * }
 */
export class BudgetLimitError extends CtxpackError {
  /** The argument, e.g. `items[3].text`. */
  readonly path: string;
  /**
   * Name of the limit: a key of `BUDGET_LIMITS`; `maxDecodedBytes` (4 ×
   * `maxTextChars`, what `decode` may produce); or `regexStack` (the engine's
   * regex stack, only for a rank file whose pattern has no scanner).
   */
  readonly limit: string;
  /** The limit's value, when it is a number the caller can read (`BUDGET_LIMITS[limit]`). */
  readonly max: number | undefined;
  /** The size measured: chars, items, ids, bytes or tokens, as the limit counts them. */
  readonly actual: number;

  constructor({
    path,
    limit,
    max,
    actual,
    unit,
  }: { path: readonly (string | number)[]; limit: string; max?: number; actual: number; unit: string }) {
    const at = formatPath(path);
    const name = Object.hasOwn(BUDGET_LIMITS, limit) ? `BUDGET_LIMITS.${limit}` : limit;
    const bound = max === undefined ? name : `${name} = ${max}`;
    super({
      code: 'budget_limit_exceeded',
      message: `Budget limit exceeded at ${at}: ${actual} ${unit}; the limit is ${bound}`,
    });
    this.name = 'BudgetLimitError';
    this.path = at;
    this.limit = limit;
    this.max = max;
    this.actual = actual;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is BudgetLimitError {
    return hasMarker(error, marker);
  }
}
