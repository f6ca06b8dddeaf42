import { assertBytes, isRecord } from '@ctxpack/block/kernel';
import { bytesEqual } from './bytes.js';
import { publicKeyOf } from './ed25519.js';
import { createNativeSigning } from './ed25519-native-sign.js';
import { InvalidKeyError } from './invalid-key-error.js';
import type { KeyPair } from './keys.js';
import { deriveKeyId } from './keys.js';

/**
 * Anything that can produce an Ed25519 signature: the in-process signer from
 * {@link createSigner}, or a KMS/HSM client (hence the optional Promise).
 * `keyId` (1–256 chars) goes into the envelope as the signature's `keyid`
 * hint: {@link deriveKeyId} of `publicKey` (the thumbprint), or any name the
 * verifiers know the key by (a KMS key name, given to `createKeyring` as the
 * entry's `id`).
 */
export interface Signer {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/**
 * The default in-process Ed25519 signer over a key pair. Checks that the pair
 * is consistent, so a mismatched public key cannot produce signatures that
 * fail only at the verifier. Signs through the runtime's WebCrypto Ed25519
 * where it gives noble's (deterministic, RFC 8032) signature, else with
 * @noble/ed25519; `sign` returns a Promise either way.
 *
 * @throws {InvalidKeyError} (`invalid_argument`) when the public key or key id does not belong to the secret key.
 * @example
 * const signer = createSigner(generateKeyPair());
 */
export function createSigner(keyPair: KeyPair): Signer {
  const pair: unknown = keyPair;
  if (!isRecord(pair)) {
    throw new InvalidKeyError({ path: 'keyPair', expected: 'a KeyPair', value: pair, reason: 'encoding' });
  }
  const secretKey = pair['secretKey'];
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new InvalidKeyError({
      path: 'keyPair.secretKey',
      expected: 'a 32-byte seed',
      value: secretKey,
      reason: 'length',
    });
  }
  const publicKey = publicKeyOf(secretKey);
  const given = pair['publicKey'];
  if (!(given instanceof Uint8Array) || !bytesEqual(publicKey, given)) {
    throw new InvalidKeyError({
      path: 'keyPair.publicKey',
      expected: 'the public key of secretKey',
      value: given,
      reason: 'mismatch',
    });
  }
  const keyId = deriveKeyId(publicKey);
  if (pair['keyId'] !== keyId) {
    throw new InvalidKeyError({
      path: 'keyPair.keyId',
      expected: `the key's thumbprint ${keyId}`,
      value: pair['keyId'],
      reason: 'mismatch',
    });
  }
  const signWith = createNativeSigning(Uint8Array.from(secretKey));
  return Object.freeze({
    keyId,
    publicKey,
    sign: (message: Uint8Array): Promise<Uint8Array> => {
      assertBytes(message, 'message');
      return signWith(message);
    },
  });
}
