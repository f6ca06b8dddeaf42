import { InvalidArgumentError } from '@ctxpack/block';
import { assertInteger } from '@ctxpack/block/kernel';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { RandomBytes } from './boundary.js';

const DOMAIN = new TextEncoder().encode('ctxpack/serialize/nonce/v1');

/**
 * A deterministic byte stream for boundary nonces: block `i` is
 * `HMAC-SHA256(seed, "ctxpack/serialize/nonce/v1" ‖ u32be(i))`. The same seed
 * gives the same nonce, so the same blocks render to identical bytes (prompt
 * caches stay warm). Secrecy of the seed is not what keeps boundaries
 * unforgeable: `createNonce` still re-draws any nonce found in the content.
 *
 * @example
 * const nonce = createNonce(contents, createSeededRandom('conversation-42'));
 */
export function createSeededRandom(seed: string | Uint8Array): RandomBytes {
  if (typeof seed !== 'string' && !(seed instanceof Uint8Array)) {
    throw new InvalidArgumentError({ path: 'seed', expected: 'a string or a Uint8Array', value: seed });
  }
  const key = typeof seed === 'string' ? new TextEncoder().encode(seed) : seed.slice();
  if (key.length === 0) {
    throw new InvalidArgumentError({
      path: 'seed',
      expected: 'a non-empty string or Uint8Array',
      value: seed,
    });
  }
  let counter = 0;
  let pool = new Uint8Array(0);
  return (length) => {
    assertInteger(length, 'length', 0, 1024);
    while (pool.length < length) {
      const message = new Uint8Array(DOMAIN.length + 4);
      message.set(DOMAIN);
      new DataView(message.buffer).setUint32(DOMAIN.length, counter++);
      const next = new Uint8Array(pool.length + 32);
      next.set(pool);
      next.set(hmac(sha256, key, message), pool.length);
      pool = next;
    }
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}
