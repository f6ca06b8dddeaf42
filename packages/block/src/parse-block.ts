import { contextBlockSchema } from './block-schema.js';
import type { ContextBlock, ContextBlockInput } from './context-block.js';
import type { BlockIssue } from './invalid-block-error.js';
import { InvalidBlockError } from './invalid-block-error.js';

/**
 * Validates unknown input as a ContextBlock, filling defaults (`id`,
 * `createdAt`, `trust` and `source` from the kind, empty labels…). Unknown keys
 * are errors, not silently dropped.
 *
 * @throws {InvalidBlockError} listing every problem with its path.
 * @example
 * const block = parseBlock({ kind: 'tool-result', tenant: 'acme', content: 'sunny' });
 * block.trust; // 'untrusted'
 */
export function parseBlock(input: unknown): ContextBlock {
  const result = contextBlockSchema.safeParse(input);
  if (result.success) return result.data;
  const issues: BlockIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: issue.message,
  }));
  throw new InvalidBlockError({ issues, cause: result.error });
}

/** Builds a block from typed input; same validation and defaults as `parseBlock`. */
export function createBlock(input: ContextBlockInput): ContextBlock {
  return parseBlock(input);
}
