import { assertArray, assertRecord } from '@ctxpack/block/kernel';
import { digestStrictJson } from '@ctxpack/provenance';
import type { Envelope } from '@ctxpack/sign';
import { signManifest } from '@ctxpack/sign';
import type { ContextOptions } from './context.js';
import { toSigners } from './context.js';
import type { Payload } from './payload.js';

/**
 * Signs `body` — the exact JSON text a client sends for `payload` after
 * rewriting its request in its own wire form (an AI SDK provider turning the
 * `ai-sdk` prompt into an OpenAI or Anthropic body) — over the payload's
 * leaves, tenant, audience, schema and lifetime. The envelope is what a
 * gateway checks with `verifyRequest` against those bytes. The body is read
 * with the verifier's strict JSON parse, so what is signed is what verifies.
 *
 * @example
 * const envelope = await signRequestBody(payload, init.body, keys);
 * headers.set(ENVELOPE_HEADER, encodeEnvelopeHeader(envelope));
 */
export async function signRequestBody(
  payload: Payload,
  body: string,
  signer: ContextOptions['signer'],
): Promise<Envelope> {
  assertRecord(payload as unknown, 'payload');
  assertRecord(payload.manifest as unknown, 'payload.manifest');
  assertArray(payload.leaves as unknown, 'payload.leaves');
  const signers = toSigners(signer);
  const { manifest } = payload;
  // The verifier's own strict parse and RFC 8785 form, hashed natively where the runtime can.
  const requestDigest = await digestStrictJson(body);
  const ttlSeconds = Math.round((Date.parse(manifest.expiresAt) - Date.parse(manifest.issuedAt)) / 1000);
  const { envelope } = await signManifest(
    {
      tenant: manifest.tenant,
      audience: manifest.audience,
      leaves: payload.leaves,
      requestDigest,
      ttlSeconds,
      ...(manifest.schema === undefined ? {} : { schema: manifest.schema }),
      ...(manifest.schemaHash === undefined ? {} : { schemaHash: manifest.schemaHash }),
    },
    signers,
  );
  return envelope;
}
