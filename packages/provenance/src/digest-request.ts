import { encodeHex } from '@ctxpack/block/kernel';
import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalizeJson, writeCanonicalJson } from './canonicalize-json.js';
import { type DigestAsyncOptions, digestContentAsync } from './digest-content.js';

const encoder = new TextEncoder();

/**
 * The `requestDigest` that binds a signed manifest to a rendered provider
 * request: `sha256:` + hex(SHA-256(UTF-8(canonicalizeJson(request)))). Because
 * it hashes the RFC 8785 canonical form, a gateway that re-serializes the JSON
 * (other key order, whitespace, escapes, number spelling) does not change it,
 * while any change to a value does.
 *
 * @throws {ProvenanceError} `invalid_json_value` when the request is not JSON data.
 * @example
 * digestRequest({ model: 'gpt-4o', messages: [] }) === digestRequest(JSON.parse('{"messages":[],"model":"gpt-4o"}')); // true
 */
export function digestRequest(request: unknown): string {
  // Streamed: small chunks are batched, large strings hashed as they come, so
  // memory stays near the largest single string, not the whole request.
  const hash = sha256.create();
  let pending = '';
  writeCanonicalJson(request, (chunk) => {
    if (pending.length + chunk.length < STREAM_BATCH_CHARS) {
      pending += chunk;
      return;
    }
    if (pending !== '') hash.update(encoder.encode(pending));
    pending = '';
    hash.update(encoder.encode(chunk));
  });
  if (pending !== '') hash.update(encoder.encode(pending));
  return `sha256:${encodeHex(hash.digest())}`;
}

const STREAM_BATCH_CHARS = 64 * 1024;

/**
 * Same value as {@link digestRequest}; large requests are hashed with the
 * runtime's native SHA-256 (see `digestContentAsync`).
 *
 * @example
 * await digestRequestAsync(request) === digestRequest(request); // true
 */
export async function digestRequestAsync(
  request: unknown,
  options: DigestAsyncOptions = {},
): Promise<string> {
  return digestContentAsync(canonicalizeJson(request), options);
}
