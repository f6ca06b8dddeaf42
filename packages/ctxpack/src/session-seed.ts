import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { ImportedBlock } from './import-builder.js';

/** Shortest session key accepted: 16 bytes (128 bits), the nonce's own strength. */
export const MIN_SESSION_KEY_BYTES = 16;

/**
 * The boundary seed of a cache-stable conversation: HMAC-SHA256 under the
 * caller's secret `sessionKey` of the conversation's stable start — its
 * system texts and its tool definitions, which come before anything
 * conversation-specific. Every step of one conversation (and every
 * conversation with the same system prompt and tools) then gets the same
 * nonce, so its requests share a byte-identical prefix; without the key the
 * nonce is as unpredictable as a fresh one. `rotation` (default 0) counts
 * the leaks the output guard saw: each one gives the same conversation a new,
 * unrelated nonce from the next request on.
 */
export function deriveSessionSeed(
  sessionKey: Uint8Array,
  blocks: readonly ImportedBlock[],
  tools: unknown,
  rotation = 0,
): Uint8Array {
  if (!Number.isSafeInteger(rotation) || rotation < 0) {
    throw new InvalidArgumentError({ path: 'rotation', expected: 'an integer ≥ 0', value: rotation });
  }
  if (!(sessionKey instanceof Uint8Array) || sessionKey.length < MIN_SESSION_KEY_BYTES) {
    throw new InvalidArgumentError({
      path: 'options.sessionKey',
      expected: `a Uint8Array of at least ${MIN_SESSION_KEY_BYTES} secret bytes`,
      value: sessionKey,
    });
  }
  if (!Array.isArray(blocks))
    throw new InvalidArgumentError({ path: 'blocks', expected: 'an array of blocks', value: blocks });
  const system: string[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b: unknown = blocks[i];
    if (!isRecord(b)) throw new InvalidArgumentError({ path: `blocks[${i}]`, expected: 'a block', value: b });
    if (b['kind'] !== 'system') break; // the stable start ends at the first conversation turn
    if (typeof b['content'] !== 'string') {
      throw new InvalidArgumentError({
        path: `blocks[${i}].content`,
        expected: 'a string',
        value: b['content'],
      });
    }
    system.push(b['content']);
  }
  let start: string | undefined;
  try {
    // Rotation 0 keeps the seeds of before rotation existed.
    start = JSON.stringify({ v: 1, system, tools: tools ?? null, ...(rotation === 0 ? {} : { rotation }) });
  } catch {
    // A cycle, a BigInt or nesting too deep: no provider could receive these tools.
  }
  if (start === undefined)
    throw new InvalidArgumentError({ path: 'tools', expected: 'JSON tool definitions', value: tools });
  return hmac(sha256, sessionKey, new TextEncoder().encode(start));
}
