import { CtxpackError, formatPath, hasMarker, setMarker } from '@ctxpack/block';

const marker: symbol = Symbol.for('ctxpack.error.invalid_budget_input');

/**
 * Thrown by `createTokenizer`, `decode` and `fit` when an argument is not
 * valid: an unknown encoding, a token id outside the vocabulary, a negative
 * budget, a duplicate item id, a size over `BUDGET_LIMITS`…
 * `path` locates the offending value inside the arguments.
 */
export class InvalidBudgetInputError extends CtxpackError {
  readonly path: readonly (string | number)[];
  readonly value: unknown;

  constructor({
    path,
    value,
    message,
  }: { path: readonly (string | number)[]; value: unknown; message: string }) {
    super({
      code: 'invalid_budget_input',
      message: `Invalid budget input at ${formatPath(path)}: ${message}`,
    });
    this.name = 'InvalidBudgetInputError';
    this.path = path;
    this.value = value;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is InvalidBudgetInputError {
    return hasMarker(error, marker);
  }
}
