export { BudgetExceededError } from './budget-exceeded-error.js';
export { BudgetLimitError } from './budget-limit-error.js';
export { createTokenizer } from './create-tokenizer.js';
export type { EncodingName } from './encoding-data.js';
export type { EstimatorOptions } from './estimator.js';
export { createEstimator, DEFAULT_ESTIMATOR_MARGIN } from './estimator.js';
export { fit } from './fit.js';
export type {
  BudgetReport,
  BudgetReportItem,
  FitItem,
  FitItemResult,
  FitOptions,
  FitResult,
  OverflowMode,
  TruncateStrategy,
} from './fit-types.js';
export { BUDGET_LIMITS } from './limits.js';
export { loadTokenizer } from './load-tokenizer.js';
export type { Tokenizer } from './tokenizer.js';
export { DEFAULT_TRUNCATION_MARKER } from './validate-fit-input.js';
