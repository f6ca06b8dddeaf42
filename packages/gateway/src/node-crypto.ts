import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { NativeCrypto } from '@ctxpack/sign';

/** Most imported keys kept per instance; the coldest is dropped first. */
const MAX_KEYS = 1024;
// RFC 8410 §3 SubjectPublicKeyInfo prefix for an Ed25519 key (OID 1.3.101.112), before the 32 raw bytes.
const SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);

/**
 * `node:crypto`'s SHA-256 and Ed25519 as a {@link NativeCrypto} for the
 * verifier (`verifyPayload`'s `native` option; the gateway server passes it
 * itself). Synchronous OpenSSL calls, where WebCrypto queues each on libuv's
 * thread pool. The pinned Ed25519 rule set still runs around it in
 * `@ctxpack/sign`: OpenSSL accepts small-order keys and refuses mixed-order
 * signatures, and those pre-checks and the noble re-check keep every vector
 * at its pinned outcome.
 *
 * @example
 * const native = createNodeCrypto();
 * await verifyPayload({ body, envelope }, { keys, tenant, audience, replay, native });
 */
export function createNodeCrypto(): NativeCrypto {
  const keys = new Map<string, KeyObject | null>();
  const keyOf = (publicKey: Uint8Array): KeyObject | null => {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('hex');
    let key = keys.get(id);
    if (key !== undefined) {
      keys.delete(id);
      keys.set(id, key);
      return key;
    }
    const der = new Uint8Array(SPKI_PREFIX.length + 32);
    der.set(SPKI_PREFIX);
    der.set(publicKey, SPKI_PREFIX.length);
    try {
      key = createPublicKey({ key: Buffer.from(der.buffer), format: 'der', type: 'spki' });
    } catch {
      key = null; // OpenSSL refuses it: noble decides, in @ctxpack/sign
    }
    if (keys.size >= MAX_KEYS) {
      const coldest = keys.keys().next();
      if (coldest.done !== true) keys.delete(coldest.value);
    }
    keys.set(id, key);
    return key;
  };
  return {
    sha256: (bytes) => {
      const digest = createHash('sha256').update(bytes).digest();
      return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
    },
    verifyEd25519: (signature, message, publicKey) => {
      if (signature.length !== 64 || publicKey.length !== 32) return false;
      const key = keyOf(publicKey);
      if (key === null) return false;
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}
