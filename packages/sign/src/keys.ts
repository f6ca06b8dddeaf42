import { InvalidArgumentError } from '@ctxpack/block';
import {
  assertBytes,
  assertOneOf,
  decodeBase64Url,
  decodeHex,
  encodeBase64Url,
  encodeHex,
  isRecord,
} from '@ctxpack/block/kernel';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual } from './bytes.js';
import { publicKeyOf, publicKeyProblem, randomSecretKey } from './ed25519.js';
import type { InvalidKeyReason } from './invalid-key-error.js';
import { InvalidKeyError } from './invalid-key-error.js';

/** An Ed25519 key pair. `secretKey` is the 32-byte RFC 8032 seed. */
export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** See {@link deriveKeyId}. */
  readonly keyId: string;
}

/** A validated Ed25519 public key: canonical, on the curve, not of small order. */
export interface PublicKey {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
}

/** An Ed25519 public key as a JWK (RFC 8037). `d` carries the secret seed. */
export interface Ed25519Jwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d?: string;
  kid?: string;
}

/** How {@link exportPublicKey} writes a key. */
export type KeyFormat = 'raw' | 'hex' | 'base64url' | 'jwk';

const encoder = new TextEncoder();
const publicKeyBrand: WeakSet<object> = new WeakSet();

/**
 * The key id of an Ed25519 public key: its RFC 7638 JWK thumbprint, i.e.
 * base64url(SHA-256('{"crv":"Ed25519","kty":"OKP","x":"<base64url key>"}'))
 * (RFC 8037 §2). 43 characters; any JOSE library computes the same value.
 * Key ids only *select* among keys the verifier already trusts; they confer
 * no trust themselves.
 *
 * @example
 * deriveKeyId(keyPair.publicKey) === keyPair.keyId; // true
 */
export function deriveKeyId(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', 32);
  const json = `{"crv":"Ed25519","kty":"OKP","x":"${encodeBase64Url(publicKey)}"}`;
  return encodeBase64Url(sha256(encoder.encode(json)));
}

function keyError(expected: string, reason: InvalidKeyReason, path: string, value: unknown): InvalidKeyError {
  return new InvalidKeyError({ path, expected, value, reason });
}

/** A key given as text: hex, base64url, or a JWK in JSON; `field` picks `x` (public) or `d` (secret) of a JWK. */
function decodeKeyText(text: string, path: string, field: 'x' | 'd'): Uint8Array {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return decodeJwk(safeJson(trimmed, path), path, field);
  const bytes = trimmed.length === 64 ? decodeHex(trimmed) : decodeBase64Url(trimmed);
  if (bytes === undefined) {
    throw keyError('64 hex digits, 43 base64url characters, or a JWK', 'encoding', path, text);
  }
  return bytes;
}

function decodeJwk(jwk: unknown, path: string, field: 'x' | 'd'): Uint8Array {
  if (!isRecord(jwk)) throw keyError('a JWK object', 'encoding', path, jwk);
  const { kty, crv } = jwk;
  const value = jwk[field];
  if (kty !== 'OKP') throw keyError('"OKP" (an Ed25519 JWK)', 'algorithm', `${path}.kty`, kty);
  if (crv !== 'Ed25519') throw keyError('"Ed25519"', 'algorithm', `${path}.crv`, crv);
  const bytes = typeof value === 'string' ? decodeBase64Url(value) : undefined;
  if (bytes === undefined) throw keyError('unpadded base64url', 'encoding', `${path}.${field}`, value);
  return bytes;
}

function toKeyBytes(key: unknown, path: string, field: 'x' | 'd'): Uint8Array {
  let bytes: Uint8Array;
  if (key instanceof Uint8Array) bytes = key;
  else if (
    field === 'x' &&
    typeof key === 'object' &&
    key !== null &&
    (key as { publicKey?: unknown }).publicKey instanceof Uint8Array
  ) {
    // A PublicKey or KeyPair (possibly from another copy of this package): re-validate its bytes.
    bytes = (key as { publicKey: Uint8Array }).publicKey;
  } else if (typeof key === 'string') bytes = decodeKeyText(key, path, field);
  else if (typeof key === 'object' && key !== null) bytes = decodeJwk(key, path, field);
  else throw keyError('an Ed25519 key: bytes, a string or a JWK', 'encoding', path, key);
  if (bytes.length !== 32) throw keyError('an Ed25519 key of 32 bytes', 'length', path, bytes);
  return bytes;
}

function safeJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InvalidKeyError({ path, expected: 'a JWK in JSON', value: text, reason: 'encoding', cause });
  }
}

function freezeKey(publicKey: Uint8Array): PublicKey {
  const key: PublicKey = Object.freeze({
    keyId: deriveKeyId(publicKey),
    publicKey: Uint8Array.from(publicKey),
  });
  publicKeyBrand.add(key);
  return key;
}

/** True for objects returned by {@link importPublicKey} (already validated). */
export function isPublicKey(value: unknown): value is PublicKey {
  return typeof value === 'object' && value !== null && publicKeyBrand.has(value);
}

/**
 * Imports an Ed25519 public key from raw bytes, a PublicKey or KeyPair, 64 hex digits, 43 base64url
 * characters, or a JWK (object or JSON string, kty OKP, crv Ed25519), and
 * validates it: a non-canonical encoding, a point off the curve, the identity
 * or any other small-order point is refused, because signatures under such
 * keys can be forged for every message.
 *
 * @throws {InvalidKeyError} (`invalid_argument`) with `reason` `encoding`, `length`, `algorithm`,
 * `non_canonical` or `small_order`.
 * @example
 * const key = importPublicKey('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
 */
export function importPublicKey(key: Uint8Array | string | Ed25519Jwk | PublicKey): PublicKey {
  if (isPublicKey(key)) return key;
  return importPublicKeyAt(key, 'key');
}

/** {@link importPublicKey}, naming `path` in its errors (e.g. `options.keys[3]`). */
export function importPublicKeyAt(key: unknown, path: string): PublicKey {
  if (isPublicKey(key)) return key;
  const bytes = toKeyBytes(key, path, 'x');
  const problem = publicKeyProblem(bytes);
  if (problem === 'small_order') {
    // The identity or a torsion point: any signature would verify under it.
    throw keyError('a public key not of small order', problem, path, bytes);
  }
  if (problem === 'non_canonical') {
    throw keyError('a canonical encoding of a curve point', problem, path, bytes);
  }
  return freezeKey(bytes);
}

/**
 * Writes a public key as raw bytes, lowercase hex, base64url or a JWK (with
 * `kid` = the key id).
 *
 * @example
 * exportPublicKey(keyPair, 'jwk'); // { kty: 'OKP', crv: 'Ed25519', x: '…', kid: '…' }
 */
export function exportPublicKey(key: PublicKey | KeyPair, format: 'jwk'): Ed25519Jwk;
export function exportPublicKey(key: PublicKey | KeyPair, format: 'raw'): Uint8Array;
export function exportPublicKey(key: PublicKey | KeyPair, format: 'hex' | 'base64url'): string;
export function exportPublicKey(
  key: PublicKey | KeyPair,
  format: KeyFormat,
): Uint8Array | string | Ed25519Jwk;
export function exportPublicKey(
  key: PublicKey | KeyPair,
  format: KeyFormat,
): Uint8Array | string | Ed25519Jwk {
  if (!isRecord(key))
    throw new InvalidArgumentError({ path: 'key', expected: 'a PublicKey or KeyPair', value: key });
  const bytes = key['publicKey'];
  assertBytes(bytes, 'key.publicKey', 32);
  assertOneOf(format, 'format', ['raw', 'hex', 'base64url', 'jwk']);
  switch (format) {
    case 'raw':
      return Uint8Array.from(bytes);
    case 'hex':
      return encodeHex(bytes);
    case 'base64url':
      return encodeBase64Url(bytes);
    case 'jwk':
      return { kty: 'OKP', crv: 'Ed25519', x: encodeBase64Url(bytes), kid: deriveKeyId(bytes) };
  }
}

function makeKeyPair(secretKey: Uint8Array): KeyPair {
  const publicKey = publicKeyOf(secretKey);
  return Object.freeze({ secretKey: Uint8Array.from(secretKey), publicKey, keyId: deriveKeyId(publicKey) });
}

/**
 * A fresh Ed25519 key pair from the runtime's CSPRNG (crypto.getRandomValues).
 *
 * @example
 * const { keyId, publicKey } = generateKeyPair();
 */
export function generateKeyPair(): KeyPair {
  return makeKeyPair(randomSecretKey());
}

/**
 * Rebuilds a key pair from its 32-byte secret seed (bytes, hex, base64url, or
 * a JWK with `d`). When the JWK also has `x`, it must match.
 *
 * @throws {InvalidKeyError} (`invalid_argument`).
 * @example
 * const keyPair = importKeyPair(secretKeyFromYourVault);
 */
export function importKeyPair(secretKey: Uint8Array | string | Ed25519Jwk): KeyPair {
  const pair = makeKeyPair(toKeyBytes(secretKey, 'secretKey', 'd'));
  const jwk =
    typeof secretKey === 'string' && secretKey.trim().startsWith('{')
      ? safeJson(secretKey.trim(), 'secretKey')
      : secretKey;
  if (!(jwk instanceof Uint8Array) && typeof jwk === 'object' && jwk !== null && 'x' in jwk) {
    const x = decodeJwk(jwk, 'secretKey', 'x');
    if (!bytesEqual(x, pair.publicKey)) throw keyError('the public key of "d"', 'mismatch', 'secretKey.x', x);
  }
  return pair;
}

/** Writes a key pair's secret as a JWK (`d` and `x`). Keep it secret. */
export function exportKeyPair(keyPair: KeyPair): Ed25519Jwk {
  if (!isRecord(keyPair))
    throw new InvalidArgumentError({ path: 'keyPair', expected: 'a KeyPair', value: keyPair });
  assertBytes(keyPair['secretKey'], 'keyPair.secretKey', 32);
  return { ...exportPublicKey(keyPair, 'jwk'), d: encodeBase64Url(keyPair.secretKey) };
}
