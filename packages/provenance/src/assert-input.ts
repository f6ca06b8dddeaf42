import type { ContextBlock } from '@ctxpack/block';
import { BLOCK_LIMITS, InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';

/** Throws {@link InvalidArgumentError} naming `path` and what was found. */
export function invalidArgument(path: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError({ path, expected, value });
}

/** A cheap structural check of a ContextBlock, so that hostile input meets a typed error, not a TypeError. */
export function assertBlockLike(value: unknown, path: string): asserts value is ContextBlock {
  if (!isRecord(value)) invalidArgument(path, 'a ContextBlock', value);
  const content = value['content'];
  if (typeof content !== 'string' || content.length > BLOCK_LIMITS.maxContentChars) {
    invalidArgument(`${path}.content`, `a string of at most ${BLOCK_LIMITS.maxContentChars} chars`, content);
  }
  if (!isRecord(value['source'])) invalidArgument(`${path}.source`, 'an object', value['source']);
  if (!isRecord(value['meta'])) invalidArgument(`${path}.meta`, 'an object', value['meta']);
  for (const key of ['labels', 'parents', 'transforms'] as const) {
    if (!Array.isArray(value[key])) invalidArgument(`${path}.${key}`, 'an array', value[key]);
  }
  if (value['digest'] !== undefined && typeof value['digest'] !== 'string')
    invalidArgument(`${path}.digest`, 'a string', value['digest']);
}
