import { InvalidArgumentError } from '@ctxpack/block';
import { decodeHex, encodeHex, isRecord } from '@ctxpack/block/kernel';

/**
 * Synchronous native primitives a runtime offers outside WebCrypto, handed in
 * by the host: `createNodeCrypto()` from `@ctxpack/gateway/node` wraps
 * `node:crypto`, whose calls skip WebCrypto's thread-pool round trip (Node 20,
 * 36 KB request: SHA-256 23 µs against 83 µs, Ed25519 verify 75 µs against
 * 130 µs). Verification uses them in place of WebCrypto and nothing else
 * changes: Ed25519 still runs behind the pinned pre-checks, and a native
 * refusal is still re-checked by @noble/ed25519, so every outcome is the
 * pinned one (the vector suites run through both).
 *
 * @example
 * await verifyPayload(input, { ...options, native: createNodeCrypto() });
 */
export interface NativeCrypto {
  /** SHA-256 of `bytes`: 32 bytes. */
  sha256(bytes: Uint8Array): Uint8Array;
  /** Plain RFC 8032 verification of a 64-byte signature under a 32-byte key; never throws for bad bytes (false). */
  verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

const probed = new WeakSet<object>();

const bytesOf = (hex: string): Uint8Array => decodeHex(hex) as Uint8Array;
// FIPS 180-2 appendix B.1 ("abc") and RFC 8032 §7.1 TEST 1 (empty message).
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const PROBE_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const PROBE_SIG =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

function probe(native: NativeCrypto): boolean {
  try {
    const digest = native.sha256(new TextEncoder().encode('abc'));
    if (!(digest instanceof Uint8Array) || encodeHex(digest) !== SHA256_ABC) return false;
    const sig = bytesOf(PROBE_SIG);
    const key = bytesOf(PROBE_KEY);
    if (native.verifyEd25519(sig, new Uint8Array(0), key) !== true) return false;
    sig[0] = (sig[0] as number) ^ 1;
    return native.verifyEd25519(sig, new Uint8Array(0), key) === false;
  } catch {
    return false;
  }
}

/**
 * `value` as a {@link NativeCrypto}, or `undefined` when absent. Checked once
 * per object with a known SHA-256 digest and an RFC 8032 vector (accepted, and
 * refused with one bit flipped), so a wrong backend is a setup error, not a
 * silent acceptance later.
 */
export function readNativeCrypto(value: unknown, path: string): NativeCrypto | undefined {
  if (value === undefined) return undefined;
  if (
    !isRecord(value) ||
    typeof value['sha256'] !== 'function' ||
    typeof value['verifyEd25519'] !== 'function'
  ) {
    throw new InvalidArgumentError({
      path,
      expected: 'a NativeCrypto { sha256(bytes), verifyEd25519(signature, message, publicKey) }',
      value,
    });
  }
  const native = value as unknown as NativeCrypto;
  if (!probed.has(native)) {
    if (!probe(native)) {
      throw new InvalidArgumentError({
        path,
        expected: 'a NativeCrypto whose sha256 and verifyEd25519 pass the FIPS 180-2 and RFC 8032 vectors',
        value,
      });
    }
    probed.add(native);
  }
  return native;
}
