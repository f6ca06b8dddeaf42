// Transitional: these moved to `@ctxpack/block/kernel`; re-exported here only
// until every importer has switched (then removed; see the export test).
export { assertArray, assertRecord, assertString, isRecord } from './assert-argument.js';
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
export { CtxpackError, hasMarker, setMarker } from './ctxpack-error.js';
export { formatPath } from './format-path.js';
export type { InvalidArgumentErrorOptions } from './invalid-argument-error.js';
export { InvalidArgumentError } from './invalid-argument-error.js';
export type { BlockIssue } from './invalid-block-error.js';
export { InvalidBlockError } from './invalid-block-error.js';
export { BLOCK_LIMITS } from './limits.js';
export { createBlock, parseBlock } from './parse-block.js';
