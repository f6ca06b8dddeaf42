export type { EncodingName } from './encoding-data.js';
export { InvalidBudgetInputError } from './invalid-budget-input-error.js';
export type { Tokenizer } from './tokenizer.js';
export { createTokenizer } from './tokenizer.js';
