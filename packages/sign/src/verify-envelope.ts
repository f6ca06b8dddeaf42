import { canonicalizeJson, digestContentAsync } from '@ctxpack/provenance';
import { verifyEd25519 } from './ed25519.js';
import { decodeBase64, decodeHex, encodeHex } from './encoding.js';
import type { Keyring, KeyringEntry } from './keyring.js';
import { entryProblem, toKeyring } from './keyring.js';
import type { Ed25519Jwk, PublicKey } from './keys.js';
import type { Leaf } from './leaf.js';
import { hashLeafHeader, leafProblem } from './leaf.js';
import type { Manifest } from './manifest.js';
import { MANIFEST_PAYLOAD_TYPE, manifestProblem, parseTime } from './manifest.js';
import { merkleRoot } from './merkle.js';
import { encodePae } from './pae.js';
import { verifyProducerSignature } from './producer.js';
import type { ReplayStore } from './replay-store.js';
import { MAX_SIGNATURES } from './sign-manifest.js';
import type { VerificationErrorCode } from './verification-error.js';
import { VerificationError } from './verification-error.js';

/** Largest decoded manifest payload accepted, in bytes. */
export const MAX_PAYLOAD_BYTES: number = 64 * 1024;

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

/** Options of {@link verifyEnvelope}. */
export interface VerifyEnvelopeOptions {
  /** The trusted keys: a keyring, or public keys (all active, for every tenant). */
  keys: Keyring | readonly (PublicKey | Uint8Array | string | Ed25519Jwk)[];
  /** The tenant the verifier serves; the manifest must name it. */
  tenant: string;
  /** When given, the manifest's audience must equal it. */
  audience?: string;
  now?: Date;
  /** Clock skew tolerated on both ends of the validity window (default 60, max 3600). */
  skewSeconds?: number;
  /** How many distinct trusted keys must have signed (default 1). */
  threshold?: number;
  /** Claimed last, once every other check has passed. */
  replay?: ReplayStore;
  /**
   * Trusted producer keys (plugin hosts, MCP gateways): every given leaf that
   * carries a producer signature must verify under one of them.
   */
  producerKeys?: Keyring | readonly (PublicKey | Uint8Array | string | Ed25519Jwk)[];
  /** With `producerKeys`: every given (non-redacted) leaf must carry a producer signature. */
  requireProducer?: boolean;
  /** How `contents` are hashed: `auto` (default) uses native SHA-256 for large contents when the runtime has it. */
  hash?: 'auto' | 'noble' | 'native';
}

/** What a successful verification returns. */
export interface VerifiedEnvelope {
  manifest: Manifest;
  /** The full (non-redacted) leaves, in tree order, when leaves were given. */
  leaves?: Leaf[];
  /** Tree indices of leaves given as `{ leafHash }` only. */
  redacted?: number[];
  /** Key ids of the valid signatures that counted towards the threshold. */
  keyIds: string[];
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;

function fail(code: VerificationErrorCode, message: string, path?: string, cause?: unknown): never {
  throw new VerificationError(path === undefined ? { code, message, cause } : { code, message, path, cause });
}

interface ParsedEnvelope {
  payloadType: string;
  payload: Uint8Array;
  signatures: { keyid: string | undefined; sig: Uint8Array }[];
}

function parseEnvelopeShape(envelope: unknown): ParsedEnvelope {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    fail('malformed_envelope', 'envelope must be an object');
  }
  const e = envelope as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (key !== 'payloadType' && key !== 'payload' && key !== 'signatures')
      fail('malformed_envelope', 'unknown field', key.slice(0, 80));
  }
  if (e['payloadType'] !== MANIFEST_PAYLOAD_TYPE) {
    fail('malformed_envelope', `payloadType must be ${MANIFEST_PAYLOAD_TYPE}`, 'payloadType');
  }
  const payloadText = e['payload'];
  if (typeof payloadText !== 'string' || payloadText.length > (MAX_PAYLOAD_BYTES * 4) / 3 + 4) {
    fail(
      'malformed_envelope',
      `payload must be a base64 string of at most ${MAX_PAYLOAD_BYTES} bytes`,
      'payload',
    );
  }
  const payload = decodeBase64(payloadText);
  if (payload === undefined)
    fail('malformed_envelope', 'payload is not canonical, padded standard base64', 'payload');
  const sigs = e['signatures'];
  if (!Array.isArray(sigs) || sigs.length === 0 || sigs.length > MAX_SIGNATURES) {
    fail('malformed_envelope', `signatures must be an array of 1–${MAX_SIGNATURES}`, 'signatures');
  }
  const signatures = sigs.map((s: unknown, i) => {
    const path = `signatures[${i}]`;
    if (typeof s !== 'object' || s === null || Array.isArray(s))
      fail('malformed_envelope', 'signature must be an object', path);
    const rec = s as Record<string, unknown>;
    for (const key of Object.keys(rec))
      if (key !== 'keyid' && key !== 'sig')
        fail('malformed_envelope', 'unknown field', `${path}.${key.slice(0, 80)}`);
    const keyid = rec['keyid'];
    if (keyid !== undefined && (typeof keyid !== 'string' || keyid.length > 256))
      fail('malformed_envelope', 'keyid must be a string', `${path}.keyid`);
    const sig =
      typeof rec['sig'] === 'string' && rec['sig'].length === 88 ? decodeBase64(rec['sig']) : undefined;
    if (sig === undefined || sig.length !== 64)
      fail('malformed_envelope', 'sig must be 64 bytes of canonical base64', `${path}.sig`);
    return { keyid, sig };
  });
  return { payloadType: MANIFEST_PAYLOAD_TYPE, payload, signatures };
}

/** Distinct trusted keys whose signature over `pae` verifies under the pinned rule set. */
function checkSignatures(parsed: ParsedEnvelope, keyring: Keyring, threshold: number): KeyringEntry[] {
  const pae = encodePae(parsed.payloadType, parsed.payload);
  const valid = new Map<string, KeyringEntry>();
  let triedKnownKey = false;
  parsed.signatures.forEach(({ keyid, sig }) => {
    // keyid only selects among trusted keys; without one, every trusted key is tried.
    const candidates: readonly KeyringEntry[] =
      keyid === undefined
        ? keyring.entries
        : [keyring.get(keyid)].filter((c): c is KeyringEntry => c !== undefined);
    for (const entry of candidates) {
      if (valid.has(entry.key.keyId)) continue;
      triedKnownKey = true;
      if (verifyEd25519(sig, pae, entry.key.publicKey)) {
        valid.set(entry.key.keyId, entry);
        break;
      }
    }
  });
  if (valid.size >= threshold) return [...valid.values()];
  if (!triedKnownKey) fail('key_unknown', 'no signature is by a trusted key', 'signatures');
  fail(
    'signature_invalid',
    `${valid.size} valid signature(s) by trusted keys; ${threshold} required`,
    'signatures',
  );
}

function parseManifest(payload: Uint8Array): Manifest {
  let value: unknown;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payload);
    value = JSON.parse(text);
  } catch (cause) {
    fail('malformed_envelope', 'payload is not UTF-8 JSON', 'payload', cause);
  }
  const problem = manifestProblem(value);
  if (problem !== undefined) fail('malformed_envelope', `manifest ${problem.why}`, `payload.${problem.path}`);
  // The signed bytes must be the one canonical spelling: no duplicate keys, no
  // number or escape variants that a different JSON parser could read differently.
  if (canonicalizeJson(value) !== text)
    fail('malformed_envelope', 'manifest is not RFC 8785 canonical JSON', 'payload');
  return value as Manifest;
}

function checkLeaves(
  manifest: Manifest,
  input: VerifyEnvelopeInput,
): { leaves: Leaf[]; redacted: number[] } | undefined {
  const given = input.leaves;
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
  given.forEach((item: unknown, i) => {
    const path = `leaves[${i}]`;
    if (typeof item === 'object' && item !== null && 'leafHash' in item) {
      const { leafHash } = item as { leafHash: unknown };
      if (Object.keys(item).length !== 1 || typeof leafHash !== 'string' || !digestPattern.test(leafHash)) {
        fail('proof_invalid', 'a redacted leaf is exactly { leafHash: "sha256:<hex>" }', path);
      }
      hashes.push(decodeHex(leafHash.slice(7)) as Uint8Array);
      redacted.push(i);
      return;
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
  });
  if (`sha256:${encodeHex(merkleRoot(hashes))}` !== manifest.root) {
    fail('proof_invalid', 'the leaves do not hash to the signed Merkle root', 'leaves');
  }
  return { leaves, redacted };
}

function checkProducers(
  leaves: Leaf[],
  input: VerifyEnvelopeInput,
  options: VerifyEnvelopeOptions,
  now: number,
): void {
  const keys = toKeyring(options.producerKeys ?? []);
  const given = input.leaves ?? [];
  for (const leaf of leaves) {
    if (leaf.producer === undefined && options.requireProducer !== true) continue;
    verifyProducerSignature(leaf, { keys, now: new Date(now) }, `leaves[${given.indexOf(leaf)}]`);
  }
}

async function checkContents(input: VerifyEnvelopeInput, hash: 'auto' | 'noble' | 'native'): Promise<void> {
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
    if ((await digestContentAsync(content, { hash })) !== leaf.contentDigest)
      fail('digest_mismatch', "content does not match its leaf's contentDigest", `contents[${i}]`);
  }
}

function resolveOptions(options: VerifyEnvelopeOptions): {
  keyring: Keyring;
  now: number;
  skew: number;
  threshold: number;
} {
  let keyring: Keyring;
  try {
    keyring = toKeyring(options.keys);
  } catch (cause) {
    fail('key_unknown', `keys could not be loaded: ${(cause as Error).message}`, 'options.keys', cause);
  }
  const now = (options.now ?? new Date()).getTime();
  const skew = options.skewSeconds ?? 60;
  const threshold = options.threshold ?? 1;
  if (!Number.isFinite(now)) fail('malformed_envelope', 'options.now is not a valid Date', 'options.now');
  if (!Number.isFinite(skew) || skew < 0 || skew > 3600)
    fail('malformed_envelope', 'skewSeconds must be 0–3600', 'options.skewSeconds');
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > MAX_SIGNATURES) {
    fail('malformed_envelope', `threshold must be an integer 1–${MAX_SIGNATURES}`, 'options.threshold');
  }
  if (typeof options.tenant !== 'string' || options.tenant === '')
    fail('tenant_mismatch', 'options.tenant is required', 'options.tenant');
  return { keyring, now, skew: skew * 1000, threshold };
}

/**
 * Verifies a signed payload, fail-closed, in the order of docs/design.md
 * invariant 6: envelope shape; the signature threshold over the exact
 * payload bytes received (DSSE PAE, pinned strict Ed25519) before they are
 * parsed; key validity (status, window); tenant (manifest and key scopes) and
 * audience; the time window with skew; the Merkle root over the given leaves
 * (redacted leaves by hash); content digests and the request digest; and
 * last, the replay store, so a tampered envelope never burns a nonce.
 *
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
  if (typeof input !== 'object' || input === null)
    fail('malformed_envelope', 'input must be an object', 'input');
  if (typeof options !== 'object' || options === null)
    fail('malformed_envelope', 'options must be an object', 'options');
  const { keyring, now, skew, threshold } = resolveOptions(options);
  const parsed = parseEnvelopeShape(input.envelope);
  const signed = checkSignatures(parsed, keyring, threshold);
  const manifest = parseManifest(parsed.payload);

  const counted: string[] = [];
  let scopeFailure: string | undefined;
  let revokedFailure: string | undefined;
  for (const entry of signed) {
    const problem = entryProblem(entry, now, manifest.tenant);
    if (problem === undefined) counted.push(entry.key.keyId);
    else if (problem.code === 'key_revoked') revokedFailure ??= `key ${entry.key.keyId} ${problem.why}`;
    else scopeFailure ??= `key ${entry.key.keyId} ${problem.why}`;
  }
  // Key validity comes before the tenant scope, as it does in the check order.
  if (counted.length < threshold) {
    if (revokedFailure !== undefined) fail('key_revoked', revokedFailure, 'signatures');
    fail('tenant_mismatch', scopeFailure ?? 'too few keys scoped to this tenant', 'signatures');
  }

  if (manifest.tenant !== options.tenant) {
    fail(
      'tenant_mismatch',
      `payload is for tenant ${JSON.stringify(manifest.tenant)}, not ${JSON.stringify(options.tenant)}`,
      'payload.tenant',
    );
  }
  if (options.audience !== undefined && manifest.audience !== options.audience) {
    fail(
      'audience_mismatch',
      `payload is for audience ${JSON.stringify(manifest.audience)}, not ${JSON.stringify(options.audience)}`,
      'payload.audience',
    );
  }
  const issuedAt = parseTime(manifest.issuedAt);
  const expiresAt = parseTime(manifest.expiresAt);
  if (issuedAt > now + skew)
    fail('not_yet_valid', `payload is issued at ${manifest.issuedAt}, in the future`, 'payload.issuedAt');
  if (expiresAt <= now - skew)
    fail('expired', `payload expired at ${manifest.expiresAt}`, 'payload.expiresAt');

  const tree = checkLeaves(manifest, input);
  if (tree !== undefined && options.producerKeys !== undefined)
    checkProducers(tree.leaves, input, options, now);
  await checkContents(input, options.hash ?? 'auto');
  if (typeof input.requestDigest !== 'string' || input.requestDigest !== manifest.requestDigest) {
    fail(
      'digest_mismatch',
      'the request does not match the signed requestDigest (altered in transit?)',
      'requestDigest',
    );
  }

  if (options.replay !== undefined) {
    const fresh = await options.replay.claim(manifest.nonce, expiresAt + skew);
    if (!fresh) fail('replayed', `nonce ${manifest.nonce} was already accepted`, 'payload.nonce');
  }
  const result: VerifiedEnvelope = { manifest, keyIds: counted };
  if (tree !== undefined) {
    result.leaves = tree.leaves;
    result.redacted = tree.redacted;
  }
  return result;
}
