import type { ContextBlock } from '@ctxpack/block';
import { BLOCK_LIMITS } from '@ctxpack/block';
import { ProvenanceError } from './provenance-error.js';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** Throws `invalid_argument` naming `path` and what was found. */
export function invalidArgument(path: string, expected: string, value: unknown): never {
  throw new ProvenanceError({
    code: 'invalid_argument',
    message: `expected ${expected}, got ${describe(value)}`,
    path,
  });
}

export function assertBytes(value: unknown, path: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) invalidArgument(path, 'a Uint8Array', value);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `options ?? {}`, refusing anything that is not an object. */
export function optionsObject<T extends object>(value: T | undefined, path: string): Partial<T> {
  if (value === undefined) return {};
  if (!isObject(value)) invalidArgument(path, 'an options object', value);
  return value;
}

/** A cheap structural check of a ContextBlock, so that hostile input meets a typed error, not a TypeError. */
export function assertBlockLike(value: unknown, path: string): asserts value is ContextBlock {
  if (!isObject(value)) invalidArgument(path, 'a ContextBlock', value);
  const b = value;
  if (typeof b['content'] !== 'string') invalidArgument(`${path}.content`, 'a string', b['content']);
  if (b['content'].length > BLOCK_LIMITS.maxContentChars) {
    throw new ProvenanceError({
      code: 'invalid_argument',
      message: `content is ${b['content'].length} chars; the limit is ${BLOCK_LIMITS.maxContentChars}`,
      path: `${path}.content`,
    });
  }
  if (!isObject(b['source'])) invalidArgument(`${path}.source`, 'an object', b['source']);
  if (!isObject(b['meta'])) invalidArgument(`${path}.meta`, 'an object', b['meta']);
  for (const key of ['labels', 'parents', 'transforms'] as const) {
    if (!Array.isArray(b[key])) invalidArgument(`${path}.${key}`, 'an array', b[key]);
  }
  if (b['digest'] !== undefined && typeof b['digest'] !== 'string')
    invalidArgument(`${path}.digest`, 'a string', b['digest']);
}
