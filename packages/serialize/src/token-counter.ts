import { InvalidArgumentError } from '@ctxpack/block';

/** Anything that counts tokens: a `Tokenizer` from `@ctxpack/budget` fits. */
export interface TokenCounter {
  count(text: string): number;
}

/** A `{ count(text) }` token counter. */
export function assertCounter(value: unknown, path: string): asserts value is TokenCounter {
  if (typeof (value as { count?: unknown } | null)?.count !== 'function') {
    throw new InvalidArgumentError({ path, expected: 'a token counter with count(text)', value });
  }
}
