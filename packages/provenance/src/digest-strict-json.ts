import { type DigestAsyncOptions, digestContentAsync } from './digest-content.js';
import { canonicalStrictJsonBytes } from './parse-strict-json.js';

/**
 * The request digest of a body as received: `sha256:` + hex of the SHA-256 of
 * the RFC 8785 form of strict JSON text, equal to
 * `digestContentAsync(canonicalizeStrictJson(text))` and refusing what
 * `parseStrictJson` refuses. What a verifier computes over the raw body, at
 * the least cost the spelling allows: bytes already canonical are hashed as
 * they are; a body that differs only in member order (JSON.stringify's
 * output: every SDK's) has its own slices encoded in order straight into the
 * buffer that is hashed; any other spelling is rewritten first.
 *
 * @throws {ProvenanceError} `invalid_json_text`, as `parseStrictJson`.
 * @throws {InvalidArgumentError} `invalid_argument` for a wrong `text` or option.
 * @example
 * await digestStrictJson('{"model":"m","messages":[]}') === digestRequest({ messages: [], model: 'm' }); // true
 */
export async function digestStrictJson(
  text: string | Uint8Array,
  options: DigestAsyncOptions = {},
): Promise<string> {
  return digestContentAsync(canonicalStrictJsonBytes(text), options);
}
