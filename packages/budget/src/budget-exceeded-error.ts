import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.budget_exceeded');

/**
 * Thrown by `fit` (with the default `onOverflow: 'error'`) when the pinned
 * items alone, with their framing, do not fit the budget. Pinned items are
 * never cut silently: raise the budget, unpin something, or pass
 * `onOverflow: 'report' | 'truncate-pinned'`.
 */
export class BudgetExceededError extends CtxpackError {
  /** Ids of the items that had to fit: the pinned ones (and, from `assemble`, the latest user turn). */
  readonly pinnedIds: readonly string[];
  /** Tokens available: `maxTokens - reserveOutput`. */
  readonly budget: number;
  /** Tokens the pinned items need, base and framing included (a lower bound when a cut could not reach its minimum). */
  readonly need: number;

  constructor({ pinnedIds, budget, need }: { pinnedIds: readonly string[]; budget: number; need: number }) {
    const shown = pinnedIds.slice(0, 10).map((id) => JSON.stringify(id));
    const more = pinnedIds.length > 10 ? ` and ${pinnedIds.length - 10} more` : '';
    const what =
      pinnedIds.length === 0
        ? 'The request framing (baseTokens) alone'
        : // Not only pinned: assemble also keeps the latest user turn (and refuses an empty request).
          `Items that must be kept ${shown.join(', ')}${more}`;
    super({
      code: 'budget_exceeded',
      message:
        `${what} need ${need} tokens but the budget is ${budget} (maxTokens - reserveOutput). ` +
        `Raise maxTokens, unpin items, or set onOverflow to 'report' or 'truncate-pinned'.`,
    });
    this.name = 'BudgetExceededError';
    this.pinnedIds = pinnedIds;
    this.budget = budget;
    this.need = need;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is BudgetExceededError {
    return hasMarker(error, marker);
  }
}
