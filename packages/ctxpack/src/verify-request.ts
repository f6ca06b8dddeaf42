import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord, readBoundedBody } from '@ctxpack/block/kernel';
import { VerificationError } from '@ctxpack/sign';
import { decodeEnvelopeHeader, ENVELOPE_HEADER } from './envelope-header.js';
import { MAX_IMPORT_BYTES } from './import-request.js';
import type { VerifiedPayload, VerifyPayloadOptions } from './verify-payload.js';
import { verifyPayload } from './verify-payload.js';

export interface VerifyRequestOptions extends VerifyPayloadOptions {
  /** Refuse bodies over this many bytes before reading further; default {@link MAX_IMPORT_BYTES}. */
  maxBodyBytes?: number;
}

export interface VerifiedRequest extends VerifiedPayload {
  /** The exact bytes that were verified: forward these, never a re-serialization. */
  body: Uint8Array;
}

/**
 * Verifies a signed provider request as a gateway receives it: the raw body
 * and the `x-ctxpack-envelope` header of a fetch-API `Request` (Node ≥ 20,
 * workers, Deno, Bun). The body bytes are read once, bounded, parsed
 * strictly and digested as received; the checks and codes are those of
 * `verifyPayload` (`malformed_envelope` for a missing or unreadable header,
 * `body_invalid` for a body that is not strict JSON or is too large). The
 * request is consumed; forward `body` from the result.
 *
 * @example
 * const { body } = await verifyRequest(request, { keys: [publicKey], tenant: 'acme', audience: 'gateway', replay });
 * await fetch(upstream, { method: 'POST', headers, body });
 */
export async function verifyRequest(
  request: Request,
  options: VerifyRequestOptions,
): Promise<VerifiedRequest> {
  if (!(request instanceof Request)) {
    throw new InvalidArgumentError({ path: 'request', expected: 'a fetch-API Request', value: request });
  }
  // Checked before the rest is spread: spreading a 20 MB string would build 20 million properties.
  if (!isRecord(options as unknown)) {
    throw new InvalidArgumentError({ path: 'options', expected: 'an object', value: options });
  }
  const { maxBodyBytes = MAX_IMPORT_BYTES, ...verifyOptions } = options;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new InvalidArgumentError({
      path: 'options.maxBodyBytes',
      expected: 'a positive integer',
      value: maxBodyBytes,
    });
  }
  const header = request.headers.get(ENVELOPE_HEADER);
  const body = await readBounded(request, maxBodyBytes);
  let envelope: unknown;
  let headerError: unknown;
  try {
    envelope = decodeEnvelopeHeader(header);
  } catch (error) {
    headerError = error;
  }
  try {
    const verified = await verifyPayload({ body, envelope }, verifyOptions);
    return { ...verified, body };
  } catch (error) {
    // verifyPayload checks the options first, so a bad option stays
    // `invalid_argument`; an unreadable header then fails as the envelope.
    if (
      headerError !== undefined &&
      VerificationError.isInstance(error) &&
      error.code === 'malformed_envelope'
    ) {
      throw headerError;
    }
    throw error;
  }
}

async function readBounded(request: Request, limit: number): Promise<Uint8Array> {
  const body = await readBoundedBody(request, limit);
  if (body !== undefined) return body;
  throw new VerificationError({
    code: 'body_invalid',
    message: `the request body is over ${limit} bytes`,
    path: 'body',
  });
}
