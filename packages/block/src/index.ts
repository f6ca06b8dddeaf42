export { blockSourceSchema, contextBlockSchema, transformSchema } from './block-schema.js';
export type {
  BlockKind,
  BlockSource,
  ContextBlock,
  ContextBlockInput,
  TextRange,
  Transform,
  TruncationStrategy,
  Trust,
} from './context-block.js';
export { BLOCK_KINDS, defaultTrust, TRUST_LEVELS } from './context-block.js';
export type { CtxpackErrorOptions } from './ctxpack-error.js';
export { CtxpackError } from './ctxpack-error.js';
export type { InvalidArgumentErrorOptions } from './invalid-argument-error.js';
export { InvalidArgumentError } from './invalid-argument-error.js';
export type { BlockIssue } from './invalid-block-error.js';
export { InvalidBlockError } from './invalid-block-error.js';
export { BLOCK_LIMITS } from './limits.js';
export { createBlock, parseBlock } from './parse-block.js';
