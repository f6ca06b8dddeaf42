import { InvalidArgumentError } from '@ctxpack/block';
import { decodeBase64Url, encodeBase64Url, isRecord } from '@ctxpack/block/kernel';
import type { Envelope } from '@ctxpack/sign';
import { VerificationError } from '@ctxpack/sign';

/** The header a signed request carries its envelope in. */
export const ENVELOPE_HEADER = 'x-ctxpack-envelope';

/**
 * Longest header value written or read: 8 KiB of base64url. An envelope holds
 * the signed manifest (tenant, audience, times, nonce, Merkle root, request
 * digest, about 600 bytes) and up to `MAX_SIGNATURES` signatures, never the
 * leaves, so it is about 1.2 KB with one signature and stays well inside
 * Node's 16 KiB limit for all headers together.
 */
export const MAX_ENVELOPE_HEADER_CHARS = 8192;

/**
 * The `x-ctxpack-envelope` value: base64url (no padding) of the envelope's JSON.
 *
 * @example
 * headers.set(ENVELOPE_HEADER, encodeEnvelopeHeader(payload.envelope));
 */
export function encodeEnvelopeHeader(envelope: Envelope): string {
  let json: string | undefined;
  try {
    json = isRecord(envelope as unknown) ? JSON.stringify(envelope) : undefined;
  } catch {
    // A cycle, a BigInt or nesting too deep for JSON: not an envelope signManifest wrote.
  }
  if (json === undefined) {
    throw new InvalidArgumentError({ path: 'envelope', expected: 'a DSSE envelope object', value: envelope });
  }
  const value = encodeBase64Url(new TextEncoder().encode(json));
  if (value.length > MAX_ENVELOPE_HEADER_CHARS) {
    throw new InvalidArgumentError({
      path: 'envelope',
      expected: `an envelope whose header form fits ${MAX_ENVELOPE_HEADER_CHARS} characters`,
      value: envelope,
    });
  }
  return value;
}

/**
 * Reads an `x-ctxpack-envelope` value back into the envelope object (still to
 * be verified). A missing, oversized, non-base64url or non-JSON value is a
 * `malformed_envelope` verification failure: it is what the request did.
 *
 * @example
 * const envelope = decodeEnvelopeHeader(request.headers.get(ENVELOPE_HEADER));
 */
export function decodeEnvelopeHeader(value: string | null | undefined): unknown {
  const refuse = (why: string): never => {
    throw new VerificationError({
      code: 'malformed_envelope',
      message: `${ENVELOPE_HEADER} ${why}`,
      path: ENVELOPE_HEADER,
    });
  };
  if (typeof value !== 'string' || value === '') return refuse('header is missing');
  if (value.length > MAX_ENVELOPE_HEADER_CHARS)
    return refuse(`is over ${MAX_ENVELOPE_HEADER_CHARS} characters`);
  const bytes = decodeBase64Url(value);
  if (bytes === undefined) return refuse('is not base64url');
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return refuse('is not the base64url of UTF-8 JSON');
  }
}
