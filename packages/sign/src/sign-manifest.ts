import { canonicalizeJson } from '@ctxpack/provenance';
import { invalidInput, isRecord } from './assert-input.js';
import { encodeBase64, encodeBase64Url, encodeHex } from './encoding.js';
import type { Leaf } from './leaf.js';
import { hashLeafHeader, leafProblem } from './leaf.js';
import type { Manifest } from './manifest.js';
import { MANIFEST_PAYLOAD_TYPE, MAX_TTL_SECONDS, manifestProblem } from './manifest.js';
import { merkleRoot } from './merkle.js';
import { encodePae } from './pae.js';
import { SignError } from './sign-error.js';
import type { Signer } from './signer.js';

/** A DSSE envelope (secure-systems-lab/dsse, envelope.md). `payload` and `sig` are standard base64. */
export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** Input of {@link signManifest}. */
export interface SignManifestInput {
  tenant: string;
  audience: string;
  /** The block headers, in payload order ({@link createLeaf}). */
  leaves: readonly Leaf[];
  /** digestRequest(request) of the rendered provider request. */
  requestDigest: string;
  /** Lifetime, 1 s to 7 days. */
  ttlSeconds: number;
  now?: Date;
  prev?: string;
  /** Schema tag and hash of the payload format, signed into the manifest. */
  schema?: string;
  schemaHash?: string;
}

/** Most signatures on one envelope. */
export const MAX_SIGNATURES = 16;
const encoder = new TextEncoder();

function inputError(message: string, path: string): SignError {
  return new SignError({ code: 'invalid_sign_input', message, path });
}

/**
 * Builds the manifest over `leaves` (an RFC 6962 tree of their canonical
 * headers), serializes it once as RFC 8785 canonical JSON, and signs the DSSE
 * PAE of those bytes with every signer — one signature per signer per payload,
 * whatever the number of blocks. Signers may be asynchronous (KMS, HSM).
 *
 * @throws {SignError} `invalid_sign_input` on bad input or duplicate signers.
 * @example
 * const { envelope, manifest } = await signManifest(
 *   { tenant: 'acme', audience: 'gateway', leaves, requestDigest: digestRequest(request), ttlSeconds: 300 },
 *   createSigner(keyPair),
 * );
 */
export async function signManifest(
  input: SignManifestInput,
  signers: Signer | readonly Signer[],
): Promise<{ envelope: Envelope; manifest: Manifest }> {
  if (!isRecord(input)) invalidInput('input', 'a SignManifestInput object', input);
  const list: readonly Signer[] = Array.isArray(signers) ? signers : [signers as Signer];
  if (list.length === 0 || list.length > MAX_SIGNATURES)
    throw inputError(`need 1–${MAX_SIGNATURES} signers`, 'signers');
  const ids = new Set<string>();
  list.forEach((s: unknown, i) => {
    if (!isRecord(s) || typeof s['keyId'] !== 'string' || typeof s['sign'] !== 'function') {
      invalidInput(`signers[${i}]`, 'a Signer with keyId and sign()', s);
    }
    if (ids.has(s['keyId'])) throw inputError(`signer ${s['keyId']} is listed twice`, `signers[${i}]`);
    ids.add(s['keyId']);
  });
  if (!Array.isArray(input.leaves)) throw inputError('leaves must be an array', 'leaves');
  input.leaves.forEach((leaf, i) => {
    const problem = leafProblem(leaf);
    if (problem !== undefined) throw inputError(problem, `leaves[${i}]`);
    if (leaf.tenant !== input.tenant)
      throw inputError(`leaf tenant ${leaf.tenant} is not the payload tenant`, `leaves[${i}].tenant`);
  });
  const ttl = input.ttlSeconds;
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
    throw inputError(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`, 'ttlSeconds');
  }
  const issued = (input.now ?? new Date()).getTime();
  if (!Number.isFinite(issued)) throw inputError('now is not a valid Date', 'now');
  const manifest: Manifest = {
    v: 1,
    tenant: input.tenant,
    audience: input.audience,
    issuedAt: new Date(issued).toISOString(),
    expiresAt: new Date(issued + ttl * 1000).toISOString(),
    nonce: encodeBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(16))),
    treeSize: input.leaves.length,
    root: `sha256:${encodeHex(merkleRoot(input.leaves.map(hashLeafHeader)))}`,
    requestDigest: input.requestDigest,
  };
  if (input.prev !== undefined) manifest.prev = input.prev;
  if (input.schema !== undefined) manifest.schema = input.schema;
  if (input.schemaHash !== undefined) manifest.schemaHash = input.schemaHash;
  const problem = manifestProblem(manifest);
  if (problem !== undefined) throw inputError(problem.why, problem.path);
  const payload = encoder.encode(canonicalizeJson(manifest));
  const pae = encodePae(MANIFEST_PAYLOAD_TYPE, payload);
  const signatures = await Promise.all(
    list.map(async (signer, i) => {
      const sig = await signer.sign(pae);
      if (!(sig instanceof Uint8Array) || sig.length !== 64)
        throw inputError('signer returned no 64-byte signature', `signers[${i}]`);
      return { keyid: signer.keyId, sig: encodeBase64(sig) };
    }),
  );
  return {
    envelope: { payloadType: MANIFEST_PAYLOAD_TYPE, payload: encodeBase64(payload), signatures },
    manifest,
  };
}
