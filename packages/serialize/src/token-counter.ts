import { InvalidArgumentError } from '@ctxpack/block';

/** Anything that counts tokens: a `Tokenizer` from `@ctxpack/budget` fits. */
export interface TokenCounter {
  count(text: string): number;
  /** The encoding's name (`Tokenizer.encoding`): `o200k_harmony`, `llama3` and `tekken` select their chat template. */
  readonly encoding?: string;
}

/** A `{ count(text) }` token counter. */
export function assertCounter(value: unknown, path: string): asserts value is TokenCounter {
  if (typeof (value as { count?: unknown } | null)?.count !== 'function') {
    throw new InvalidArgumentError({ path, expected: 'a token counter with count(text)', value });
  }
}
