import { digestRequest } from '@ctxpack/provenance';
import type { Keyring, Leaf, Manifest, PublicKey, ReplayStore } from '@ctxpack/sign';
import { VerificationError, verifyEnvelope } from '@ctxpack/sign';

export interface VerifyPayloadInput {
  /** The provider request body exactly as received (re-serialized JSON is fine: it is digested canonically). */
  request: unknown;
  envelope: unknown;
  /** Block headers, when the verifier wants the Merkle root checked and the blocks returned. */
  leaves?: readonly unknown[];
}

export interface VerifyPayloadOptions {
  /** Trusted public keys, or a keyring with validity windows and tenant scopes. */
  keys: Keyring | readonly (PublicKey | Uint8Array | string)[];
  tenant: string;
  audience?: string;
  now?: Date;
  skewSeconds?: number;
  /** Signatures required from distinct trusted keys; default 1. */
  threshold?: number;
  /** Claims the payload nonce last, so a tampered envelope cannot burn a legitimate nonce. */
  replay?: ReplayStore;
}

export interface VerifiedPayload {
  manifest: Manifest;
  leaves?: Leaf[];
  keyIds: string[];
}

/**
 * Verifies a payload as a downstream service (gateway, auditor) would. The
 * checks run in the order of DESIGN.md invariant 6 and the first failure
 * rejects with a `VerificationError` whose `code` names it.
 *
 * @example
 * const verified = await verifyPayload(
 *   { request: body, envelope },
 *   { keys: [publicKey], tenant: 'acme', audience: 'openai-chat', replay },
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
    requestDigest = digestRequest(input.request);
  } catch (cause) {
    throw new VerificationError({
      code: 'digest_mismatch',
      message: 'The request is not canonical JSON and cannot match the signed request digest',
      cause,
    });
  }
  return verifyEnvelope(
    {
      envelope: input.envelope,
      requestDigest,
      ...(input.leaves === undefined ? {} : { leaves: input.leaves }),
    },
    options,
  );
}
