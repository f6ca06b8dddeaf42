import { InvalidArgumentError } from '@ctxpack/block';
import { foldText } from './fold.js';

/**
 * The comparison form of a string, the one every detector matches on: per
 * code point NFKD, combining marks dropped, lowercased, and lookalikes of an
 * ASCII character mapped to it (UTS #39 confusable prototypes). Two strings
 * with one skeleton look alike to a reader (or a model); compare names with
 * it, never display it.
 *
 * @example
 * toSkeleton('ѕеnd_Email') === toSkeleton('send_email'); // true (Cyrillic ѕ and е)
 */
export function toSkeleton(text: string): string {
  if (typeof text !== 'string')
    throw new InvalidArgumentError({ path: 'text', expected: 'a string', value: text });
  return foldText(text).text;
}
