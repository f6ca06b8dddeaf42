import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import { digestRequestAsync, digestStrictJson, ProvenanceError } from '@ctxpack/provenance';
import { KNOWN_PAYLOAD_SCHEMAS, PAYLOAD_SCHEMA, PAYLOAD_SCHEMA_HASH, SchemaError } from '@ctxpack/serialize';
import type { ResolvedVerifyOptions, VerifiedEnvelope, VerifyEnvelopeOptions } from '@ctxpack/sign';
import { resolveVerifyOptions, VerificationError, verifyEnvelope } from '@ctxpack/sign';

interface VerifyPayloadParts {
  envelope: unknown;
  /** Block headers (or `{ leafHash }` for redacted blocks), to check the Merkle root and get the blocks back. */
  leaves?: readonly unknown[];
  /** Block contents aligned with `leaves` (`undefined` to skip one); each must match its leaf's contentDigest. */
  contents?: readonly (string | Uint8Array | undefined)[];
}

/**
 * What {@link verifyPayload} checks: the envelope with either the provider
 * request body exactly as received (`body`, preferred: it is parsed strictly,
 * so the digest binds what every downstream parser reads) or the request
 * object a caller already holds (`request`, digested canonically).
 */
export type VerifyPayloadInput = VerifyPayloadParts &
  ({ body: string | Uint8Array; request?: never } | { request: unknown; body?: never });

/**
 * Trusted keys, tenant, audience (required), replay (required: a store, or
 * `false`, unsafe), clock, threshold, producer keys: see `verifyEnvelope`.
 */
export type VerifyPayloadOptions = VerifyEnvelopeOptions;

export type VerifiedPayload = VerifiedEnvelope;

async function digestOf(input: Record<string, unknown>, resolved: ResolvedVerifyOptions): Promise<string> {
  const { hash } = resolved;
  const sha256 = resolved.native?.sha256;
  const digestOptions = sha256 === undefined ? { hash } : { hash, sha256 };
  const hasBody = input['body'] !== undefined;
  if (hasBody === (input['request'] !== undefined)) {
    throw new InvalidArgumentError({
      path: 'input',
      expected: 'exactly one of body (the raw request bytes or text) and request (the parsed object)',
      value: input,
    });
  }
  if (hasBody) {
    const body = input['body'];
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new InvalidArgumentError({
        path: 'input.body',
        expected: 'a string or a Uint8Array',
        value: body,
      });
    }
    try {
      // Strict parse and RFC 8785 form without the object tree or the canonical string: bytes already
      // canonical are hashed as received, a body that differs only in member order from its own slices.
      return await digestStrictJson(body, digestOptions);
    } catch (cause) {
      // Options were checked by resolveVerifyOptions: a refusal here is the body's.
      if (!ProvenanceError.isInstance(cause) && !InvalidArgumentError.isInstance(cause)) throw cause;
      throw new VerificationError({
        code: 'body_invalid',
        message: `the request body is not strict JSON: ${cause.message}`,
        path: 'body',
        cause,
      });
    }
  }
  try {
    return await digestRequestAsync(input['request'], digestOptions);
  } catch (cause) {
    throw new VerificationError({
      code: 'digest_mismatch',
      message: 'The request is not canonical JSON and cannot match the signed request digest',
      path: 'request',
      cause,
    });
  }
}

/**
 * Verifies a payload as a downstream service (gateway, auditor) would.
 * Options are checked first (a wrong or missing one is `invalid_argument`;
 * `audience` and `replay` are required); then the body is parsed strictly
 * (`body_invalid` for duplicate keys, integers beyond ±(2^53−1), lone
 * surrogates, non-JSON, over-deep nesting) and digested; then the envelope is
 * checked in the order of docs/design.md invariant 6, the first failure rejecting
 * with a `VerificationError` whose `code` names it. A payload signed under a
 * schema this build does not read rejects with `SchemaError`.
 *
 * @example
 * const verified = await verifyPayload(
 *   { body: rawBodyBytes, envelope, leaves },
 *   { keys: [publicKey], tenant: 'acme', audience: 'gateway', replay },
 * );
 */
export async function verifyPayload(
  input: VerifyPayloadInput,
  options: VerifyPayloadOptions,
): Promise<VerifiedPayload> {
  const resolved = resolveVerifyOptions(options);
  if (!isRecord(input)) {
    throw new InvalidArgumentError({
      path: 'input',
      expected: 'an object { body | request, envelope }',
      value: input,
    });
  }
  const requestDigest = await digestOf(input, resolved);
  const verified = await verifyEnvelope(
    {
      envelope: input['envelope'],
      requestDigest,
      ...(input['leaves'] === undefined ? {} : { leaves: input['leaves'] as readonly unknown[] }),
      ...(input['contents'] === undefined
        ? {}
        : { contents: input['contents'] as readonly (string | Uint8Array | undefined)[] }),
    },
    // The keyrings built above, so the keys are not imported (and validated) a second time.
    {
      ...options,
      keys: resolved.keyring,
      ...(resolved.producerKeys === undefined ? {} : { producerKeys: resolved.producerKeys }),
    },
  );
  checkSchema(verified.manifest.schema, verified.manifest.schemaHash);
  return verified;
}

// The manifest's schema tag is signed, so drift here is the producer's format
// changing, not tampering: report it as schema drift, never guess.
function checkSchema(schema: string | undefined, schemaHash: string | undefined): void {
  if (schema === undefined) return;
  if (!KNOWN_PAYLOAD_SCHEMAS.includes(schema)) {
    throw new SchemaError({
      issues: [
        {
          path: ['manifest', 'schema'],
          message: `unknown payload schema ${schema}; this build reads ${KNOWN_PAYLOAD_SCHEMAS.join(', ')}`,
        },
      ],
    });
  }
  if (schema === PAYLOAD_SCHEMA && schemaHash !== undefined && schemaHash !== PAYLOAD_SCHEMA_HASH) {
    throw new SchemaError({
      issues: [
        {
          path: ['manifest', 'schemaHash'],
          message: `schema ${schema} hash ${schemaHash} differs from this build's ${PAYLOAD_SCHEMA_HASH}`,
        },
      ],
    });
  }
}
