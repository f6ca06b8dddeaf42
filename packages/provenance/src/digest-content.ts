import { InvalidArgumentError } from '@ctxpack/block';
import { assertOneOf, encodeHex, readOptions } from '@ctxpack/block/kernel';
import { sha256 } from '@noble/hashes/sha2.js';
import { ProvenanceError } from './provenance-error.js';

const encoder = new TextEncoder();

/**
 * Inputs at least this large take the runtime's native SHA-256 in {@link digestContentAsync}.
 * Below it WebCrypto's fixed cost (a promise and a copy, ~50 µs in Node 20) exceeds
 * @noble/hashes' time; measured crossover 2–4 KiB (bench/README-sign.md).
 */
export const NATIVE_HASH_THRESHOLD_BYTES: number = 4 * 1024;

/** Options of {@link digestContentAsync}. */
export interface DigestAsyncOptions {
  /**
   * `auto` (default) hashes inputs of at least {@link NATIVE_HASH_THRESHOLD_BYTES}
   * through WebCrypto when the runtime has it; `noble` always uses @noble/hashes;
   * `native` requires WebCrypto and throws when it is missing.
   */
  hash?: 'auto' | 'noble' | 'native';
  /**
   * A synchronous native SHA-256 from the host (node:crypto's, through
   * `createNodeCrypto()` of `@ctxpack/gateway/node`), used in place of
   * WebCrypto at every size by `auto` and `native`: no promise, no thread-pool
   * hop. Its output must be the 32-byte digest.
   */
  sha256?: (bytes: Uint8Array) => Uint8Array;
}

function toBytes(content: string | Uint8Array): Uint8Array {
  if (typeof content === 'string') return encoder.encode(content);
  if (content instanceof Uint8Array) return content;
  throw new InvalidArgumentError({ path: 'content', expected: 'a string or a Uint8Array', value: content });
}

/**
 * `sha256:` + lowercase hex of the SHA-256 of the content's UTF-8 bytes
 * (strings are encoded with TextEncoder, so lone surrogates become U+FFFD).
 * Synchronous, on @noble/hashes, so it works in every runtime.
 *
 * @example
 * digestContent('hello'); // 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'
 */
export function digestContent(content: string | Uint8Array): string {
  return `sha256:${encodeHex(sha256(toBytes(content)))}`;
}

/** The runtime's WebCrypto `subtle`, when it has one (browsers, Node ≥20, Deno, Bun, edge runtimes). */
function nativeSubtle(): SubtleCrypto | undefined {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  return subtle !== undefined && typeof subtle.digest === 'function' ? subtle : undefined;
}

/** True when the runtime offers a native SHA-256 through WebCrypto. */
export function hasNativeSha256(): boolean {
  return nativeSubtle() !== undefined;
}

/**
 * Same digest as {@link digestContent}, but large inputs go through the
 * runtime's native SHA-256 (WebCrypto), which is an order of magnitude faster
 * than pure JS. WebCrypto is asynchronous, hence this separate function.
 *
 * @example
 * await digestContentAsync(tenMegabytes); // same value as digestContent(tenMegabytes)
 */
export async function digestContentAsync(
  content: string | Uint8Array,
  options: DigestAsyncOptions = {},
): Promise<string> {
  const bytes = toBytes(content);
  const read = readOptions(options, 'options');
  const mode = read.hash ?? 'auto';
  assertOneOf(mode, 'options.hash', ['auto', 'noble', 'native']);
  const host = read.sha256;
  if (host !== undefined && typeof host !== 'function') {
    throw new InvalidArgumentError({
      path: 'options.sha256',
      expected: 'a function (bytes) => digest',
      value: host,
    });
  }
  if (host !== undefined && mode !== 'noble') {
    const digest = host(bytes);
    if (!(digest instanceof Uint8Array) || digest.length !== 32) {
      throw new InvalidArgumentError({
        path: 'options.sha256',
        expected: 'a function returning 32 bytes',
        value: digest,
      });
    }
    return `sha256:${encodeHex(digest)}`;
  }
  const subtle = mode === 'noble' ? undefined : nativeSubtle();
  if (mode === 'native' && subtle === undefined) {
    throw new ProvenanceError({
      code: 'invalid_content',
      message: 'hash: "native" was asked for but this runtime has no globalThis.crypto.subtle',
      path: 'options.hash',
    });
  }
  if (subtle !== undefined && (mode === 'native' || bytes.length >= NATIVE_HASH_THRESHOLD_BYTES)) {
    const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
    return `sha256:${encodeHex(new Uint8Array(digest))}`;
  }
  return `sha256:${encodeHex(sha256(bytes))}`;
}
