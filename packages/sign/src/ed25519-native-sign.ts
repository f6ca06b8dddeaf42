import { signEd25519 } from './ed25519.js';

type Subtle = Pick<SubtleCrypto, 'importKey' | 'sign'>;

const ED25519 = { name: 'Ed25519' } as const;

// RFC 8410 §7: an Ed25519 private key in PKCS #8 is this fixed 16-byte DER
// prefix (SEQUENCE, version 0, AlgorithmIdentifier 1.3.101.112, OCTET STRING
// of an OCTET STRING of 32 bytes) followed by the 32-byte seed.
const PKCS8_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);

/** A signing function over one seed: WebCrypto where it signs exactly as noble, else noble. */
export type SignWith = (message: Uint8Array) => Promise<Uint8Array>;

/**
 * Signs with the runtime's WebCrypto Ed25519 (several times faster than pure
 * JS, which also re-derives the public key on every signature) when it
 * produces exactly noble's signature: RFC 8032 signatures are deterministic,
 * so the key is imported once and its first signature compared with
 * noble's over a fixed message; any difference, a missing Ed25519, or a
 * runtime refusal falls back to @noble/ed25519 for this key, for good.
 */
export function createNativeSigning(seed: Uint8Array): SignWith {
  let ready: Promise<CryptoKey | undefined> | undefined;
  const noble = async (message: Uint8Array) => signEd25519(message, seed);
  return async (given) => {
    // A copy taken now: the caller may change its bytes while the key loads (and WebCrypto refuses SharedArrayBuffer views).
    const message = Uint8Array.from(given);
    ready ??= importChecked(seed);
    const key = await ready;
    const subtle = nativeSubtle();
    if (key === undefined || subtle === undefined) return noble(message);
    try {
      return new Uint8Array(await subtle.sign(ED25519, key, message));
    } catch {
      return noble(message);
    }
  };
}

function nativeSubtle(): Subtle | undefined {
  const subtle = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
  return subtle !== undefined && typeof subtle.importKey === 'function' && typeof subtle.sign === 'function'
    ? subtle
    : undefined;
}

const PROBE_MESSAGE = new TextEncoder().encode('ctxpack native Ed25519 signing probe');

async function importChecked(seed: Uint8Array): Promise<CryptoKey | undefined> {
  const subtle = nativeSubtle();
  if (subtle === undefined) return undefined;
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + seed.length);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(seed, PKCS8_PREFIX.length);
  try {
    const key = await subtle.importKey('pkcs8', pkcs8, ED25519, false, ['sign']);
    const native = new Uint8Array(await subtle.sign(ED25519, key, PROBE_MESSAGE));
    const expected = signEd25519(PROBE_MESSAGE, seed);
    if (native.length !== expected.length) return undefined;
    for (let i = 0; i < native.length; i++) if (native[i] !== expected[i]) return undefined;
    return key;
  } catch {
    return undefined;
  } finally {
    pkcs8.fill(0);
  }
}
