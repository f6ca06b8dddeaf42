import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

// noble's synchronous API needs a SHA-512; set it where it is used rather than
// as an import side effect, so bundlers that drop side effects keep it.
function ready(): void {
  if (ed.hashes.sha512 === undefined) ed.hashes.sha512 = sha512;
}

/**
 * The pinned Ed25519 rule set, used for every signature ctxpack verifies
 * (RFC 8032 §5.1.7 "strict", as @noble/ed25519 v3 implements it with
 * `{ zip215: false }`): A and R must be canonical encodings (y < p, no
 * "negative zero" x), S < L, A must not be of small order, and the cofactored
 * equation [8][S]B = [8]R + [8][k]A must hold. ZIP215 leniency is off.
 */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  ready();
  if (
    !(signature instanceof Uint8Array) ||
    !(message instanceof Uint8Array) ||
    !(publicKey instanceof Uint8Array)
  )
    return false;
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export function signEd25519(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  ready();
  return ed.sign(message, secretKey);
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  ready();
  return ed.getPublicKey(secretKey);
}

export function randomSecretKey(): Uint8Array {
  return ed.utils.randomSecretKey();
}

/** Why a 32-byte string is not an acceptable public key, or `undefined` when it is. */
export function publicKeyProblem(bytes: Uint8Array): 'non_canonical' | 'small_order' | undefined {
  let point: ed.Point;
  try {
    // zip215 = false: reject y ≥ p and x = 0 with the sign bit set, and points off the curve.
    point = ed.Point.fromBytes(bytes, false);
  } catch {
    return 'non_canonical';
  }
  // The identity and the seven other torsion points: signatures under them can be forged (docs/notes.md).
  if (point.isSmallOrder()) return 'small_order';
  const again = point.toBytes();
  for (let i = 0; i < 32; i++) if (again[i] !== bytes[i]) return 'non_canonical';
  return undefined;
}
