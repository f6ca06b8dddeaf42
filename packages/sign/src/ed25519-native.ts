import { InvalidArgumentError } from '@ctxpack/block';
import { assertOneOf, decodeHex, encodeHex, readOptions } from '@ctxpack/block/kernel';
import { publicKeyProblem, verifyEd25519 } from './ed25519.js';
import type { NativeCrypto } from './native-crypto.js';
import { readNativeCrypto } from './native-crypto.js';

/**
 * Which Ed25519 implementation checks a signature: `auto` (default) the
 * runtime's WebCrypto Ed25519 when it has one, else @noble/ed25519; `native`
 * requires WebCrypto; `noble` is pure JS everywhere. Every path gives the
 * outcomes of the pinned rule set (see {@link verifyEd25519Async}).
 */
export type Ed25519Path = 'auto' | 'native' | 'noble';

/** Options of {@link verifyEd25519Async}. */
export interface VerifyEd25519Options {
  ed25519?: Ed25519Path;
  /** Native primitives to use in place of WebCrypto on the `auto` and `native` paths (see {@link NativeCrypto}). */
  native?: NativeCrypto;
}

/** Most imported WebCrypto keys kept (the size of the largest keyring); the oldest is dropped first. */
export const MAX_CACHED_KEYS = 1024;

type Subtle = Pick<SubtleCrypto, 'importKey' | 'verify'>;

interface CachedKey {
  readonly problem: ReturnType<typeof publicKeyProblem>;
  /** `undefined` when the runtime refused to import it: noble decides for this key. */
  readonly key: Promise<CryptoKey | undefined> | undefined;
}

const ED25519 = { name: 'Ed25519' } as const;
const keyCache = new Map<string, CachedKey>();
let nativeReady: Promise<Subtle | undefined> | undefined;

const hexBytes = (hex: string): Uint8Array<ArrayBuffer> => decodeHex(hex) as Uint8Array<ArrayBuffer>;

// RFC 8032 §7.1 TEST 1 (empty message): the probe must accept it and refuse it with one bit flipped,
// so a runtime whose Ed25519 is missing, partial or wrong is never used.
const PROBE_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const PROBE_SIG =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

async function probeNative(): Promise<Subtle | undefined> {
  const subtle = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
  if (subtle === undefined || typeof subtle.importKey !== 'function' || typeof subtle.verify !== 'function')
    return undefined;
  try {
    const key = await subtle.importKey('raw', hexBytes(PROBE_KEY), ED25519, false, ['verify']);
    const sig = hexBytes(PROBE_SIG);
    const empty = new Uint8Array(0);
    if (!(await subtle.verify(ED25519, key, sig, empty))) return undefined;
    sig[0] = (sig[0] as number) ^ 1;
    if (await subtle.verify(ED25519, key, sig, empty)) return undefined;
    return subtle;
  } catch {
    return undefined;
  }
}

/** The runtime's WebCrypto with a working Ed25519, probed once per process. */
function nativeEd25519(): Promise<Subtle | undefined> {
  nativeReady ??= probeNative();
  return nativeReady;
}

/**
 * True when this runtime verifies Ed25519 through WebCrypto (Node ≥ 20,
 * Deno, Bun, current browsers and workers). Probed once, with an RFC 8032
 * vector, and cached.
 *
 * @example
 * if (!(await hasNativeEd25519())) console.warn('Ed25519 in pure JS: ~8x slower verification');
 */
export function hasNativeEd25519(): Promise<boolean> {
  return nativeEd25519().then((subtle) => subtle !== undefined);
}

// ℓ = 2^252 + 27742317777372353535851937790883648493 and p = 2^255 − 19, little-endian.
const ORDER_LE = hexBytes('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
const PRIME_LE = hexBytes(`ed${'ff'.repeat(30)}7f`);
const PRIME_MINUS_ONE_LE = hexBytes(`ec${'ff'.repeat(30)}7f`);
const ONE_LE = hexBytes(`01${'00'.repeat(31)}`);

/** Compares the 32 little-endian bytes at `offset` with `limit` (sign bit of byte 31 masked when `mask`). */
function compareLE(bytes: Uint8Array, offset: number, limit: Uint8Array, mask: boolean): number {
  for (let i = 31; i >= 0; i--) {
    const byte = (bytes[offset + i] as number) & (mask && i === 31 ? 0x7f : 0xff);
    const other = limit[i] as number;
    if (byte !== other) return byte < other ? -1 : 1;
  }
  return 0;
}

/**
 * What the pinned rule set refuses in the signature bytes alone (RFC 8032
 * §5.1.7 strict, as noble `{ zip215: false }`): S ≥ ℓ, and an R whose y is
 * not below p or that spells x = 0 with the sign bit set (y = 1 or p − 1).
 * An R off the curve needs no check: no native verifier can accept it, since
 * the R it recomputes is always a point.
 */
function signatureRefused(signature: Uint8Array): boolean {
  if (compareLE(signature, 32, ORDER_LE, false) >= 0) return true;
  if (compareLE(signature, 0, PRIME_LE, true) >= 0) return true;
  const signBit = ((signature[31] as number) & 0x80) !== 0;
  return (
    signBit &&
    (compareLE(signature, 0, ONE_LE, true) === 0 || compareLE(signature, 0, PRIME_MINUS_ONE_LE, true) === 0)
  );
}

/** Moves a hit to the end (most recently used) or inserts, dropping the coldest entry past {@link MAX_CACHED_KEYS}. */
function remember<T>(cache: Map<string, T>, id: string, make: () => T): T {
  const hit = cache.get(id);
  if (hit !== undefined) {
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  const entry = make();
  if (cache.size >= MAX_CACHED_KEYS) {
    const coldest = cache.keys().next();
    if (coldest.done !== true) cache.delete(coldest.value);
  }
  cache.set(id, entry);
  return entry;
}

// The pinned refusals of A (non-canonical, small order) are checked once per key, here.
function cachedKey(subtle: Subtle, publicKey: Uint8Array): CachedKey {
  return remember(keyCache, encodeHex(publicKey), () => {
    const problem = publicKeyProblem(publicKey);
    const key =
      problem === undefined
        ? subtle
            .importKey('raw', Uint8Array.from(publicKey), ED25519, false, ['verify'])
            .catch(() => undefined)
        : undefined;
    return { problem, key };
  });
}

const problemCache = new Map<string, { problem: ReturnType<typeof publicKeyProblem> }>();

/** Same as the WebCrypto path, through a host's synchronous {@link NativeCrypto}. */
function verifyOnNative(
  native: NativeCrypto,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signatureRefused(signature)) return false;
  const { problem } = remember(problemCache, encodeHex(publicKey), () => ({
    problem: publicKeyProblem(publicKey),
  }));
  if (problem !== undefined) return false;
  let accepted = false;
  try {
    accepted = native.verifyEd25519(signature, message, publicKey) === true;
  } catch {
    // Refused by the host for its own reasons: noble decides below.
  }
  // As on the WebCrypto path: a native "true" stands, a native "false" is re-checked (mixed-order signatures).
  return accepted || verifyEd25519(signature, message, publicKey);
}

function readPath(options: unknown): { path: Ed25519Path; native: NativeCrypto | undefined } {
  const read = readOptions(options as VerifyEd25519Options | undefined, 'options');
  const path = read.ed25519 ?? 'auto';
  assertOneOf(path, 'options.ed25519', ['auto', 'native', 'noble']);
  return { path, native: readNativeCrypto(read.native, 'options.native') };
}

/** Same as {@link verifyEd25519Async} with `options` already checked. */
export async function verifyEd25519On(
  path: Ed25519Path,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  native?: NativeCrypto,
): Promise<boolean> {
  if (
    native !== undefined &&
    path !== 'noble' &&
    signature instanceof Uint8Array &&
    message instanceof Uint8Array &&
    publicKey instanceof Uint8Array &&
    signature.length === 64 &&
    publicKey.length === 32
  ) {
    return verifyOnNative(native, signature, message, publicKey);
  }
  const subtle = path === 'noble' ? undefined : await nativeEd25519();
  if (subtle === undefined && path === 'native') {
    throw new InvalidArgumentError({
      path: 'options.ed25519',
      expected: "'auto' or 'noble': this runtime has no WebCrypto Ed25519",
      value: path,
    });
  }
  if (
    subtle === undefined ||
    !(signature instanceof Uint8Array) ||
    !(message instanceof Uint8Array) ||
    !(publicKey instanceof Uint8Array) ||
    signature.length !== 64 ||
    publicKey.length !== 32
  ) {
    return verifyEd25519(signature, message, publicKey);
  }
  if (signatureRefused(signature)) return false;
  const entry = cachedKey(subtle, publicKey);
  if (entry.problem !== undefined) return false;
  const key = await entry.key;
  if (key === undefined) return verifyEd25519(signature, message, publicKey);
  try {
    // Copies: WebCrypto refuses views of a SharedArrayBuffer, and the caller may change its bytes meanwhile.
    if (await subtle.verify(ED25519, key, Uint8Array.from(signature), Uint8Array.from(message))) return true;
  } catch {
    // Refused by the runtime for its own reasons: noble decides below.
  }
  // Native verifiers (OpenSSL, BoringSSL) check the cofactorless [S]B = R + [k]A. With A and R canonical,
  // A not of small order and S < ℓ, that implies the pinned cofactored [8][S]B = [8]R + [8][k]A, so a native
  // "true" stands. The converse fails only when A or R carries a torsion component (CCTV's
  // low_order_residue vectors): a native "false" is re-checked by the pinned rule set itself.
  return verifyEd25519(signature, message, publicKey);
}

/**
 * The pinned Ed25519 check of {@link verifyEd25519}, through the runtime's
 * WebCrypto Ed25519 where it has one (about 8× faster than pure JS), with the
 * same outcomes on every input: the strict pre-checks (S < ℓ, canonical R,
 * canonical A not of small order, A checked once per key) run before the
 * native call, and a native refusal is re-checked by @noble/ed25519, whose
 * cofactored equation also accepts the mixed-order signatures a cofactorless
 * native verifier refuses. Imported keys are cached ({@link MAX_CACHED_KEYS}).
 * A valid signature costs one native verification; an invalid one a native
 * and a noble verification.
 *
 * @throws {InvalidArgumentError} `invalid_argument` for wrong options, or `ed25519: 'native'` where WebCrypto has no Ed25519.
 * @example
 * const ok = await verifyEd25519Async(signature, message, publicKey); // { ed25519: 'noble' } forces pure JS
 */
export async function verifyEd25519Async(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  options: VerifyEd25519Options = {},
): Promise<boolean> {
  const { path, native } = readPath(options);
  return verifyEd25519On(path, signature, message, publicKey, native);
}
