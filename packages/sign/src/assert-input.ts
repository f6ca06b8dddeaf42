import type { ContextBlock } from '@ctxpack/block';
import { BLOCK_LIMITS, InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';

/** Throws {@link InvalidArgumentError} naming the argument and what was found (never stringifies the value). */
export function invalidInput(path: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError({ path, expected, value });
}

/** Structural check of a ContextBlock argument: hostile input meets a typed error, not a TypeError deep inside. */
export function assertBlockInput(value: unknown, path: string): asserts value is ContextBlock {
  if (!isRecord(value)) invalidInput(path, 'a ContextBlock', value);
  const content = value['content'];
  if (typeof content !== 'string' || content.length > BLOCK_LIMITS.maxContentChars) {
    invalidInput(`${path}.content`, `a string of at most ${BLOCK_LIMITS.maxContentChars} chars`, content);
  }
  if (typeof value['tenant'] !== 'string') invalidInput(`${path}.tenant`, 'a string', value['tenant']);
  for (const key of ['source', 'meta'] as const) {
    if (!isRecord(value[key])) invalidInput(`${path}.${key}`, 'an object', value[key]);
  }
  for (const key of ['labels', 'parents', 'transforms'] as const) {
    if (!Array.isArray(value[key])) invalidInput(`${path}.${key}`, 'an array', value[key]);
  }
}

/** Epoch ms of a valid Date argument. */
export function readDate(value: unknown, path: string): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new InvalidArgumentError({ path, expected: 'a valid Date', value });
  return ms;
}
