import type { Ed25519Path } from './ed25519-native.js';
import { verifyEd25519On } from './ed25519-native.js';
import type { Keyring, KeyringEntry } from './keyring.js';
import type { NativeCrypto } from './native-crypto.js';
import { encodePae } from './pae.js';
import { MAX_SIGNATURES } from './sign-manifest.js';
import { VerificationError } from './verification-error.js';

/**
 * Most keys a signature without a `keyid` is tried against: an unnamed
 * signature is checked only when the verifier trusts at most this many keys,
 * and refused otherwise, so a junk envelope cannot make the verifier try
 * every key of a large keyring.
 */
export const MAX_UNNAMED_KEYS = 4;

/** One signature of a DSSE envelope, decoded. */
export interface EnvelopeSignature {
  keyid: string | undefined;
  sig: Uint8Array;
}

function fail(code: 'key_unknown' | 'signature_invalid', message: string): never {
  throw new VerificationError({ code, message, path: 'signatures' });
}

/**
 * The distinct trusted keys whose signature over PAE(payloadType, payload)
 * verifies under the pinned rule set. Bounded work whatever the keyring
 * size: a signature with a `keyid` is checked against the one key of that id
 * or thumbprint (one Ed25519 verification); an unnamed one against at most
 * {@link MAX_UNNAMED_KEYS} keys; and at most {@link MAX_SIGNATURES}
 * verifications run per envelope.
 */
export async function checkSignatures(
  payloadType: string,
  payload: Uint8Array,
  signatures: readonly EnvelopeSignature[],
  keyring: Keyring,
  threshold: number,
  ed25519: Ed25519Path,
  native?: NativeCrypto,
): Promise<KeyringEntry[]> {
  const pae = encodePae(payloadType, payload);
  const valid = new Map<string, KeyringEntry>();
  const unnamedAllowed = keyring.entries.length <= MAX_UNNAMED_KEYS;
  let budget = MAX_SIGNATURES;
  let triedKnownKey = false;
  let refusedUnnamed = false;
  for (const { keyid, sig } of signatures) {
    let candidates: readonly KeyringEntry[];
    if (keyid !== undefined) {
      const entry = keyring.get(keyid);
      candidates = entry === undefined ? [] : [entry];
    } else if (unnamedAllowed) {
      candidates = keyring.entries;
    } else {
      refusedUnnamed = true;
      continue;
    }
    for (const entry of candidates) {
      if (valid.has(entry.key.keyId)) continue;
      triedKnownKey = true;
      if (budget === 0) break;
      budget--;
      if (await verifyEd25519On(ed25519, sig, pae, entry.key.publicKey, native)) {
        valid.set(entry.key.keyId, entry);
        break;
      }
    }
  }
  if (valid.size >= threshold) return [...valid.values()];
  if (!triedKnownKey) {
    fail(
      'key_unknown',
      refusedUnnamed
        ? `no signature names a trusted key (a signature without keyid is tried only against a keyring of at most ${MAX_UNNAMED_KEYS} keys)`
        : 'no signature is by a trusted key',
    );
  }
  return fail('signature_invalid', `${valid.size} valid signature(s) by trusted keys; ${threshold} required`);
}
