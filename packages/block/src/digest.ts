import { assertBytes } from './assert-argument.js';
import { encodeHex } from './hex.js';

/**
 * The one spelling of a digest in ctxpack: `sha256:` + 64 lowercase hex
 * digits (content digests, leaf hashes, Merkle roots, request and schema
 * hashes, audit-chain links).
 *
 * @example
 * DIGEST_PATTERN.test(`sha256:${'0'.repeat(64)}`); // true
 */
export const DIGEST_PATTERN: RegExp = /^sha256:[0-9a-f]{64}$/;

/**
 * True when `value` is a string matching {@link DIGEST_PATTERN}.
 *
 * @example
 * isDigest('sha256:abc'); // false
 */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && value.length === 71 && DIGEST_PATTERN.test(value);
}

/**
 * `sha256:` + lowercase hex of a 32-byte SHA-256 output.
 *
 * @example
 * formatDigest(sha256(bytes)); // 'sha256:2cf2…'
 */
export function formatDigest(hash: Uint8Array): string {
  assertBytes(hash, 'hash', 32);
  return `sha256:${encodeHex(hash)}`;
}
