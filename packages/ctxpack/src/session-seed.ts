import { InvalidArgumentError } from '@ctxpack/block';
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
 * nonce is as unpredictable as a fresh one.
 */
export function deriveSessionSeed(
  sessionKey: Uint8Array,
  blocks: readonly ImportedBlock[],
  tools: unknown,
): Uint8Array {
  if (!(sessionKey instanceof Uint8Array) || sessionKey.length < MIN_SESSION_KEY_BYTES) {
    throw new InvalidArgumentError({
      path: 'options.sessionKey',
      expected: `a Uint8Array of at least ${MIN_SESSION_KEY_BYTES} secret bytes`,
      value: sessionKey,
    });
  }
  const system: string[] = [];
  for (const b of blocks) {
    if (b.kind !== 'system') break; // the stable start ends at the first conversation turn
    system.push(b.content);
  }
  const start = JSON.stringify({ v: 1, system, tools: tools ?? null });
  return hmac(sha256, sessionKey, new TextEncoder().encode(start));
}
