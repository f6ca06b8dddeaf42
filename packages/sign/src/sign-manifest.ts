import { InvalidArgumentError } from '@ctxpack/block';
import { assertArray, encodeBase64, encodeBase64Url, encodeHex, isRecord } from '@ctxpack/block/kernel';
import { canonicalizeJson } from '@ctxpack/provenance';
import { readDate } from './assert-input.js';
import type { Leaf } from './leaf.js';
import { hashLeafHeader, leafProblem } from './leaf.js';
import type { Manifest } from './manifest.js';
import { MANIFEST_PAYLOAD_TYPE, MAX_TTL_SECONDS, manifestProblem } from './manifest.js';
import { merkleRoot } from './merkle.js';
import { encodePae } from './pae.js';
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

function inputError(path: string, expected: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError({ path, expected, value });
}

/**
 * Builds the manifest over `leaves` (an RFC 6962 tree of their canonical
 * headers), serializes it once as RFC 8785 canonical JSON, and signs the DSSE
 * PAE of those bytes with every signer — one signature per signer per payload,
 * whatever the number of blocks. Signers may be asynchronous (KMS, HSM).
 *
 * @throws {InvalidArgumentError} `invalid_argument` on bad input or duplicate signers.
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
  if (!isRecord(input)) throw inputError('input', 'a SignManifestInput object', input);
  const list: readonly unknown[] = Array.isArray(signers) ? signers : [signers];
  if (list.length === 0 || list.length > MAX_SIGNATURES)
    throw inputError('signers', `1–${MAX_SIGNATURES} signers`, signers);
  const ids = new Set<string>();
  list.forEach((s, i) => {
    const keyId = isRecord(s) ? s['keyId'] : undefined;
    if (
      !isRecord(s) ||
      typeof keyId !== 'string' ||
      keyId === '' ||
      keyId.length > 256 ||
      typeof s['sign'] !== 'function'
    ) {
      throw inputError(`signers[${i}]`, 'a Signer with a keyId of 1–256 chars and sign()', s);
    }
    if (ids.has(keyId))
      throw inputError(`signers[${i}]`, `a signer not listed twice (${keyId.slice(0, 80)} is)`, s);
    ids.add(keyId);
  });
  assertArray(input.leaves, 'leaves');
  input.leaves.forEach((leaf, i) => {
    const problem = leafProblem(leaf);
    if (problem !== undefined) throw inputError(`leaves[${i}]`, `a leaf header (${problem})`, leaf);
    if (leaf.tenant !== input.tenant)
      throw inputError(`leaves[${i}].tenant`, `the payload tenant`, leaf.tenant);
  });
  const ttl = input.ttlSeconds;
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
    throw inputError('ttlSeconds', `an integer from 1 to ${MAX_TTL_SECONDS}`, ttl);
  }
  const issued = input.now === undefined ? Date.now() : readDate(input.now, 'now');
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
  if (problem !== undefined)
    throw inputError(
      problem.path,
      `a manifest field that ${problem.why}`,
      manifest[problem.path as keyof Manifest],
    );
  const payload = encoder.encode(canonicalizeJson(manifest));
  const pae = encodePae(MANIFEST_PAYLOAD_TYPE, payload);
  const signatures = await Promise.all(
    (list as readonly Signer[]).map(async (signer, i) => {
      const sig = await signer.sign(pae);
      if (!(sig instanceof Uint8Array) || sig.length !== 64)
        throw inputError(`signers[${i}]`, 'a Signer that returns 64-byte signatures', sig);
      return { keyid: signer.keyId, sig: encodeBase64(sig) };
    }),
  );
  return {
    envelope: { payloadType: MANIFEST_PAYLOAD_TYPE, payload: encodeBase64(payload), signatures },
    manifest,
  };
}
