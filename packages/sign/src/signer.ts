import { assertBytes } from './assert-input.js';
import { publicKeyOf, signEd25519 } from './ed25519.js';
import { bytesEqual } from './encoding.js';
import type { KeyPair } from './keys.js';
import { deriveKeyId } from './keys.js';
import { SignError } from './sign-error.js';

/**
 * Anything that can produce an Ed25519 signature: the in-process signer from
 * {@link createSigner}, or a KMS/HSM client (hence the optional Promise).
 * `keyId` must be {@link deriveKeyId} of `publicKey`.
 */
export interface Signer {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/**
 * The default in-process Ed25519 signer over a key pair. Checks that the pair
 * is consistent, so a mismatched public key cannot produce signatures that
 * fail only at the verifier.
 *
 * @throws {SignError} `invalid_key` when the public key or key id does not belong to the secret key.
 * @example
 * const signer = createSigner(generateKeyPair());
 */
export function createSigner(keyPair: KeyPair): Signer {
  const secretKey = keyPair?.secretKey;
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new SignError({
      code: 'invalid_key',
      message: 'secretKey must be 32 bytes',
      path: 'keyPair.secretKey',
      reason: 'length',
    });
  }
  const publicKey = publicKeyOf(secretKey);
  if (!(keyPair.publicKey instanceof Uint8Array) || !bytesEqual(publicKey, keyPair.publicKey)) {
    throw new SignError({
      code: 'invalid_key',
      message: 'publicKey does not belong to secretKey',
      path: 'keyPair.publicKey',
      reason: 'mismatch',
    });
  }
  const keyId = deriveKeyId(publicKey);
  if (keyPair.keyId !== keyId) {
    throw new SignError({
      code: 'invalid_key',
      message: `keyId must be ${keyId}`,
      path: 'keyPair.keyId',
      reason: 'mismatch',
    });
  }
  const secret = Uint8Array.from(secretKey);
  return Object.freeze({
    keyId,
    publicKey,
    sign: (message: Uint8Array): Uint8Array => {
      assertBytes(message, 'message');
      return signEd25519(message, secret);
    },
  });
}
