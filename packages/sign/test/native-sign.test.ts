import { readFileSync } from 'node:fs';
import { decodeHex } from '@ctxpack/block/kernel';
import { createSigner, deriveKeyId, generateKeyPair } from '@ctxpack/sign';
import { verifyEd25519 } from '@ctxpack/sign/primitives';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNativeSigning } from '../src/ed25519-native-sign.js';

ed.hashes.sha512 = sha512;
const vectors = new URL('../../../../shared/vectors/', import.meta.url);
const rfc8032 = JSON.parse(readFileSync(new URL('ed25519/rfc8032.json', vectors), 'utf8')) as {
  priv: string;
  pub: string;
  msg: string;
  sig: string;
}[];

describe('createSigner signs through WebCrypto with exactly noble’s signatures', () => {
  it('RFC 8032 §7.1: every vector’s signature, byte for byte', async () => {
    for (const v of rfc8032) {
      const secretKey = decodeHex(v.priv) as Uint8Array;
      const publicKey = decodeHex(v.pub) as Uint8Array;
      const signer = createSigner({ secretKey, publicKey, keyId: deriveKeyId(publicKey) });
      expect(Buffer.from(await signer.sign(decodeHex(v.msg) as Uint8Array)).toString('hex')).toBe(v.sig);
    }
  });

  it('random seeds and messages: the native path equals @noble/ed25519 and verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        async (seed, message) => {
          const native = await createNativeSigning(seed)(message);
          expect(native).toEqual(ed.sign(message, seed));
          expect(verifyEd25519(native, message, ed.getPublicKey(seed))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a message changed after sign() is called does not change the signature', async () => {
    const keys = generateKeyPair();
    const message = new Uint8Array(64).fill(7);
    const pending = createSigner(keys).sign(message);
    message.fill(9);
    expect(await pending).toEqual(ed.sign(new Uint8Array(64).fill(7), keys.secretKey));
  });

  it('falls back to noble when the runtime has no WebCrypto Ed25519', async () => {
    const seed = new Uint8Array(32).fill(3);
    const message = new Uint8Array([1, 2, 3]);
    const crypto = globalThis.crypto;
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true, writable: true });
    try {
      expect(await createNativeSigning(seed)(message)).toEqual(ed.sign(message, seed));
    } finally {
      Object.defineProperty(globalThis, 'crypto', { value: crypto, configurable: true, writable: true });
    }
  });
});
