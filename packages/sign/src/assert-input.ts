import type { ContextBlock } from '@ctxpack/block';
import { BLOCK_LIMITS } from '@ctxpack/block';
import { SignError } from './sign-error.js';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return typeof value;
}

/** Throws `invalid_sign_input` naming the argument and what was found (never stringifies the value itself). */
export function invalidInput(path: string, expected: string, value: unknown): never {
  throw new SignError({
    code: 'invalid_sign_input',
    message: `expected ${expected}, got ${kindOf(value)}`,
    path,
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function assertBytes(value: unknown, path: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) {
    invalidInput(path, length === undefined ? 'a Uint8Array' : `${length} bytes`, value);
  }
}

/** `options ?? {}`, refusing anything that is not an object. */
export function readOptions<T extends object>(value: T | undefined, path: string): Partial<T> {
  if (value === undefined) return {};
  if (!isRecord(value)) invalidInput(path, 'an options object', value);
  return value;
}

export function assertArray(value: unknown, path: string, max: number): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) invalidInput(path, 'an array', value);
  if (value.length > max) invalidInput(path, `at most ${max} items`, value);
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
