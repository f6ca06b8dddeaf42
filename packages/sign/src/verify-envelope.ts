import { InvalidArgumentError } from '@ctxpack/block';
import { decodeHex, encodeHex, isDigest, isRecord } from '@ctxpack/block/kernel';
import { digestContentAsync } from '@ctxpack/provenance';
import { checkSignatures } from './check-signatures.js';
import { hasNativeEd25519 } from './ed25519-native.js';
import { parseEnvelopeShape, parseManifest } from './envelope-shape.js';
import type { KeyringEntry } from './keyring.js';
import { entryProblem } from './keyring.js';
import type { Leaf } from './leaf.js';
import { hashLeafHeader, leafProblem } from './leaf.js';
import type { Manifest } from './manifest.js';
import { parseTime } from './manifest.js';
import { merkleRoot } from './merkle.js';
import { checkProducerSignatureAsync } from './producer.js';
import type { ReplayOutcome } from './replay-store.js';
import type { VerificationErrorCode } from './verification-error.js';
import { VerificationError } from './verification-error.js';
import type { ResolvedVerifyOptions, VerifyEnvelopeOptions } from './verify-options.js';
import { resolveVerifyOptions } from './verify-options.js';

/** What {@link verifyEnvelope} checks. */
export interface VerifyEnvelopeInput {
  /** The envelope as received (parsed JSON); nothing in it is trusted. */
  envelope: unknown;
  /** digestRequest(request) of the request as received. */
  requestDigest: string;
  /**
   * All leaves of the tree, in order: a full header, or `{ leafHash }` for a
   * redacted block. When given, they must rebuild the manifest's root.
   */
  leaves?: readonly unknown[];
  /** Block contents aligned with `leaves` (`undefined` to skip one); each must match its leaf's contentDigest. */
  contents?: readonly (string | Uint8Array | undefined)[];
}

/** What a successful verification returns. */
export interface VerifiedEnvelope {
  manifest: Manifest;
  /** The full (non-redacted) leaves, in tree order, when leaves were given. */
  leaves?: Leaf[];
  /** Tree indices of leaves given as `{ leafHash }` only. */
  redacted?: number[];
  /** Key ids (thumbprints) of the valid signatures that counted towards the threshold. */
  keyIds: string[];
}

function fail(code: VerificationErrorCode, message: string, path?: string, cause?: unknown): never {
  throw new VerificationError(path === undefined ? { code, message, cause } : { code, message, path, cause });
}

/** The signing keys that may vouch at `now` for the manifest's tenant; key validity before scope. */
function countValidKeys(
  signed: readonly KeyringEntry[],
  manifest: Manifest,
  opts: ResolvedVerifyOptions,
): string[] {
  const counted: string[] = [];
  let scopeFailure: string | undefined;
  let revokedFailure: string | undefined;
  for (const entry of signed) {
    const problem = entryProblem(entry, opts.now, manifest.tenant);
    if (problem === undefined) counted.push(entry.key.keyId);
    else if (problem.code === 'key_revoked') revokedFailure ??= `key ${entry.key.keyId} ${problem.why}`;
    else scopeFailure ??= `key ${entry.key.keyId} ${problem.why}`;
  }
  if (counted.length < opts.threshold) {
    if (revokedFailure !== undefined) fail('key_revoked', revokedFailure, 'signatures');
    fail('tenant_mismatch', scopeFailure ?? 'too few keys scoped to this tenant', 'signatures');
  }
  return counted;
}

function checkAudienceAndTime(manifest: Manifest, opts: ResolvedVerifyOptions): number {
  if (manifest.tenant !== opts.tenant) {
    fail(
      'tenant_mismatch',
      `payload is for tenant ${JSON.stringify(manifest.tenant)}, not ${JSON.stringify(opts.tenant)}`,
      'payload.tenant',
    );
  }
  if (manifest.audience !== opts.audience) {
    fail(
      'audience_mismatch',
      `payload is for audience ${JSON.stringify(manifest.audience)}, not ${JSON.stringify(opts.audience)}`,
      'payload.audience',
    );
  }
  const issuedAt = parseTime(manifest.issuedAt);
  const expiresAt = parseTime(manifest.expiresAt);
  if (issuedAt > opts.now + opts.skewMs)
    fail('not_yet_valid', `payload is issued at ${manifest.issuedAt}, in the future`, 'payload.issuedAt');
  if (expiresAt <= opts.now - opts.skewMs)
    fail('expired', `payload expired at ${manifest.expiresAt}`, 'payload.expiresAt');
  return expiresAt;
}

function checkLeaves(manifest: Manifest, given: unknown): { leaves: Leaf[]; redacted: number[] } | undefined {
  if (given === undefined) return undefined;
  if (!Array.isArray(given) || given.length !== manifest.treeSize) {
    fail(
      'proof_invalid',
      `expected ${manifest.treeSize} leaves, got ${Array.isArray(given) ? given.length : typeof given}`,
      'leaves',
    );
  }
  const hashes: Uint8Array[] = [];
  const leaves: Leaf[] = [];
  const redacted: number[] = [];
  for (let i = 0; i < given.length; i++) {
    const item: unknown = given[i];
    const path = `leaves[${i}]`;
    if (isRecord(item) && 'leafHash' in item) {
      const leafHash = item['leafHash'];
      if (Object.keys(item).length !== 1 || !isDigest(leafHash)) {
        fail('proof_invalid', 'a redacted leaf is exactly { leafHash: "sha256:<hex>" }', path);
      }
      hashes.push(decodeHex(leafHash.slice(7)) as Uint8Array);
      redacted.push(i);
      continue;
    }
    const problem = leafProblem(item);
    if (problem !== undefined) fail('proof_invalid', `not a leaf header: ${problem}`, path);
    const leaf = item as Leaf;
    if (leaf.tenant !== manifest.tenant)
      fail(
        'tenant_mismatch',
        `leaf tenant ${JSON.stringify(leaf.tenant)} is not the manifest's`,
        `${path}.tenant`,
      );
    try {
      hashes.push(hashLeafHeader(leaf));
    } catch (cause) {
      fail('proof_invalid', 'leaf header is not JSON data', path, cause);
    }
    leaves.push(leaf);
  }
  if (`sha256:${encodeHex(merkleRoot(hashes))}` !== manifest.root) {
    fail('proof_invalid', 'the leaves do not hash to the signed Merkle root', 'leaves');
  }
  return { leaves, redacted };
}

async function checkProducers(given: readonly unknown[], opts: ResolvedVerifyOptions): Promise<void> {
  const keyring = opts.producerKeys;
  if (keyring === undefined) return;
  for (let i = 0; i < given.length; i++) {
    const item = given[i] as Partial<Leaf>;
    if (item.contentDigest === undefined) continue; // redacted
    if (item.producer === undefined && !opts.requireProducer) continue;
    await checkProducerSignatureAsync(
      item as Leaf,
      keyring,
      opts.now,
      `leaves[${i}]`,
      opts.ed25519,
      opts.native,
    );
  }
}

async function checkContents(input: VerifyEnvelopeInput, opts: ResolvedVerifyOptions): Promise<void> {
  const hash = opts.hash;
  const sha256 = opts.native?.sha256;
  const { contents, leaves } = input;
  if (contents === undefined) return;
  if (leaves === undefined || !Array.isArray(contents) || contents.length !== leaves.length) {
    fail('digest_mismatch', 'contents must align with leaves', 'contents');
  }
  for (let i = 0; i < contents.length; i++) {
    const content = contents[i];
    if (content === undefined) continue;
    const leaf = leaves[i] as Partial<Leaf>;
    if (leaf.contentDigest === undefined)
      fail('digest_mismatch', 'content given for a redacted leaf', `contents[${i}]`);
    if (typeof content !== 'string' && !(content instanceof Uint8Array))
      fail('digest_mismatch', 'content must be a string or bytes', `contents[${i}]`);
    if (
      (await digestContentAsync(content, sha256 === undefined ? { hash } : { hash, sha256 })) !==
      leaf.contentDigest
    )
      fail('digest_mismatch', "content does not match its leaf's contentDigest", `contents[${i}]`);
  }
}

async function claimNonce(manifest: Manifest, expiresAt: number, opts: ResolvedVerifyOptions): Promise<void> {
  if (opts.replay === false) return;
  // Held until the envelope's own expiry plus skew, measured on the store's clock.
  const outcome: ReplayOutcome = await opts.replay.claim(manifest.nonce, {
    holdUntil: expiresAt + opts.skewMs,
  });
  if (outcome === 'claimed') return;
  if (outcome === 'replayed')
    fail('replayed', `nonce ${manifest.nonce} was already accepted`, 'payload.nonce');
  if (outcome === 'expired') {
    fail(
      'expired',
      `payload expired at ${manifest.expiresAt} by the replay store's clock`,
      'payload.expiresAt',
    );
  }
  throw new InvalidArgumentError({
    path: 'options.replay',
    expected: "a ReplayStore whose claim resolves 'claimed', 'replayed' or 'expired'",
    value: outcome,
  });
}

/**
 * Verifies a signed payload, fail-closed, in the order of docs/design.md
 * invariant 6: envelope shape; the signature threshold over the exact
 * payload bytes received (DSSE PAE, pinned strict Ed25519, bounded work)
 * before they are parsed; key validity (status, window); tenant (manifest
 * and key scopes) and audience; the time window with skew; the Merkle root
 * over the given leaves (redacted leaves by hash) and producer signatures;
 * content digests and the request digest; and last, the replay store, so a
 * tampered envelope never burns a nonce. `audience` and `replay` are
 * required (`replay: false` opts out, unsafely).
 *
 * @throws {InvalidArgumentError} `invalid_argument` for a wrong or missing option, before any check.
 * @throws {VerificationError} whose `code` names the first failed check.
 * @example
 * const { manifest, leaves } = await verifyEnvelope(
 *   { envelope, requestDigest: digestRequest(request), leaves },
 *   { keys: [publicKey], tenant: 'acme', audience: 'gateway', replay: createMemoryReplayStore() },
 * );
 */
export async function verifyEnvelope(
  input: VerifyEnvelopeInput,
  options: VerifyEnvelopeOptions,
): Promise<VerifiedEnvelope> {
  const opts = resolveVerifyOptions(options);
  if (opts.ed25519 === 'native' && opts.native === undefined && !(await hasNativeEd25519())) {
    throw new InvalidArgumentError({
      path: 'options.ed25519',
      expected: "'auto' or 'noble': this runtime has no WebCrypto Ed25519",
      value: opts.ed25519,
    });
  }
  if (!isRecord(input))
    throw new InvalidArgumentError({
      path: 'input',
      expected: 'an object { envelope, requestDigest }',
      value: input,
    });
  const requestDigest = input['requestDigest'];
  if (!isDigest(requestDigest)) {
    throw new InvalidArgumentError({
      path: 'input.requestDigest',
      expected: 'a sha256: digest of the request received',
      value: requestDigest,
    });
  }
  const parsed = parseEnvelopeShape(input.envelope);
  const signed = await checkSignatures(
    parsed.payloadType,
    parsed.payload,
    parsed.signatures,
    opts.keyring,
    opts.threshold,
    opts.ed25519,
    opts.native,
  );
  const manifest = parseManifest(parsed.payload);
  const keyIds = countValidKeys(signed, manifest, opts);
  const expiresAt = checkAudienceAndTime(manifest, opts);
  const tree = checkLeaves(manifest, input.leaves);
  if (tree !== undefined) await checkProducers(input.leaves as readonly unknown[], opts);
  await checkContents(input, opts);
  if (requestDigest !== manifest.requestDigest) {
    fail(
      'digest_mismatch',
      'the request does not match the signed requestDigest (altered in transit?)',
      'requestDigest',
    );
  }
  await claimNonce(manifest, expiresAt, opts);
  const result: VerifiedEnvelope = { manifest, keyIds };
  if (tree !== undefined) {
    result.leaves = tree.leaves;
    result.redacted = tree.redacted;
  }
  return result;
}
