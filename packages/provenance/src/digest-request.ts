import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalizeJson } from './canonicalize-json.js';
import { type DigestAsyncOptions, digestContentAsync } from './digest-content.js';
import { toHex } from './hex.js';

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
  return `sha256:${toHex(sha256(encoder.encode(canonicalizeJson(request))))}`;
}

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
