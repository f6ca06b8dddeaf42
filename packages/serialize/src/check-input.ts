import type { ContextBlock } from '@ctxpack/block';
import { assertArray, assertRecord, assertString } from '@ctxpack/block/kernel';

/**
 * A cheap shape check of a block that came from `createBlock`/`parseBlock`:
 * the fields serialization reads have their types. Full validation is the
 * block package's job; this only turns a wrong argument into a typed error
 * instead of a crash deep inside rendering.
 */
export function assertBlockShape(value: unknown, path: string): asserts value is ContextBlock {
  assertRecord(value, path);
  for (const key of ['id', 'kind', 'trust', 'content', 'tenant'] as const)
    assertString(value[key], `${path}.${key}`);
  assertRecord(value['source'], `${path}.source`);
  assertArray(value['labels'], `${path}.labels`);
}

/** {@link assertBlockShape} for each element of an array. */
export function assertBlocks(value: unknown, path: string): asserts value is readonly ContextBlock[] {
  assertArray(value, path);
  for (let i = 0; i < value.length; i++) assertBlockShape(value[i], `${path}[${i}]`);
}
