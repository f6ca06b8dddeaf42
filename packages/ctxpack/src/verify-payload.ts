import { digestRequestAsync } from '@ctxpack/provenance';
import { KNOWN_PAYLOAD_SCHEMAS, PAYLOAD_SCHEMA, PAYLOAD_SCHEMA_HASH, SchemaError } from '@ctxpack/serialize';
import type { VerifiedEnvelope, VerifyEnvelopeOptions } from '@ctxpack/sign';
import { VerificationError, verifyEnvelope } from '@ctxpack/sign';

export interface VerifyPayloadInput {
  /** The provider request body as received (re-serialized JSON is fine: it is digested canonically). */
  request: unknown;
  envelope: unknown;
  /** Block headers (or `{ leafHash }` for redacted blocks), to check the Merkle root and get the blocks back. */
  leaves?: readonly unknown[];
  /** Block contents aligned with `leaves` (`undefined` to skip one); each must match its leaf's contentDigest. */
  contents?: readonly (string | Uint8Array | undefined)[];
}

/** Trusted keys, tenant, audience, clock, threshold, replay store, producer keys: see `verifyEnvelope`. */
export type VerifyPayloadOptions = VerifyEnvelopeOptions;

export type VerifiedPayload = VerifiedEnvelope;

/**
 * Verifies a payload as a downstream service (gateway, auditor) would. The
 * checks run in the order of docs/design.md invariant 6 and the first failure
 * rejects with a `VerificationError` whose `code` names it; a payload signed
 * under a schema this build does not read rejects with `SchemaError`.
 *
 * @example
 * const verified = await verifyPayload(
 *   { request: body, envelope, leaves },
 *   { keys: [publicKey], tenant: 'acme', audience: 'gateway', replay },
 * );
 */
export async function verifyPayload(
  input: VerifyPayloadInput,
  options: VerifyPayloadOptions,
): Promise<VerifiedPayload> {
  if (typeof input !== 'object' || input === null) {
    throw new VerificationError({
      code: 'malformed_envelope',
      message: 'verifyPayload expects { request, envelope }',
    });
  }
  let requestDigest: string;
  try {
    requestDigest = await digestRequestAsync(input.request);
  } catch (cause) {
    throw new VerificationError({
      code: 'digest_mismatch',
      message: 'The request is not canonical JSON and cannot match the signed request digest',
      path: 'request',
      cause,
    });
  }
  const verified = await verifyEnvelope(
    {
      envelope: input.envelope,
      requestDigest,
      ...(input.leaves === undefined ? {} : { leaves: input.leaves }),
      ...(input.contents === undefined ? {} : { contents: input.contents }),
    },
    options,
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
