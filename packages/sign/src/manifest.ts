import { decodeBase64Url, isDigest } from '@ctxpack/block/kernel';

/** The DSSE payloadType of a ctxpack manifest. Constant ASCII; covered by the signature through PAE. */
export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.ctxpack.manifest+json;version=1';

/** Version of the manifest format. */
export const MANIFEST_VERSION = 1;

/** Longest lifetime a manifest may declare, in seconds (7 days). */
export const MAX_TTL_SECONDS: number = 7 * 24 * 3600;

/**
 * What one signature vouches for: a payload for one tenant and audience,
 * valid from `issuedAt` to `expiresAt`, holding the blocks whose headers form
 * the Merkle tree `root` of `treeSize` leaves, rendered into the request whose
 * canonical digest is `requestDigest`. Serialized as RFC 8785 canonical JSON.
 */
export interface Manifest {
  v: 1;
  tenant: string;
  audience: string;
  /** RFC 3339 UTC, millisecond precision. */
  issuedAt: string;
  expiresAt: string;
  /** base64url of ≥16 random bytes; claimed once in the replay store. */
  nonce: string;
  treeSize: number;
  /** `sha256:` + hex of the RFC 6962 root over the leaf headers. */
  root: string;
  /** `sha256:` + hex of the RFC 8785 canonical request (see digestRequest). */
  requestDigest: string;
  /** Optional link to a previous manifest (e.g. its nonce or digest) for chained conversations. */
  prev?: string;
  /**
   * Schema tag of the signed payload's format (e.g. `ctxpack.payload/v1`), so a
   * verifier can tell format drift from tampering; signed like every field.
   */
  schema?: string;
  /** `sha256:` digest of that schema's definition. */
  schemaHash?: string;
}

const schemaPattern = /^[a-z0-9][a-z0-9.-]{0,100}\/v[0-9]{1,6}$/;
const timePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const manifestKeys = new Set([
  'v',
  'tenant',
  'audience',
  'issuedAt',
  'expiresAt',
  'nonce',
  'treeSize',
  'root',
  'requestDigest',
  'prev',
  'schema',
  'schemaHash',
]);

/** Epoch ms of a strict RFC 3339 UTC time, or NaN. */
export function parseTime(value: unknown): number {
  return typeof value === 'string' && timePattern.test(value) ? Date.parse(value) : Number.NaN;
}

/** Why `value` is not a manifest, with the field, or `undefined` when it is one. */
export function manifestProblem(value: unknown): { path: string; why: string } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { path: '(root)', why: 'not an object' };
  const m = value as Record<string, unknown>;
  for (const key of Object.keys(m))
    if (!manifestKeys.has(key)) return { path: key.slice(0, 80), why: 'unknown field' };
  if (m['v'] !== MANIFEST_VERSION) return { path: 'v', why: `unsupported version ${String(m['v'])}` };
  for (const key of ['tenant', 'audience'] as const) {
    const v = m[key];
    if (typeof v !== 'string' || v.length === 0 || v.length > 256)
      return { path: key, why: 'must be a string of 1–256 chars' };
  }
  const issuedAt = parseTime(m['issuedAt']);
  const expiresAt = parseTime(m['expiresAt']);
  if (Number.isNaN(issuedAt)) return { path: 'issuedAt', why: 'must be an RFC 3339 UTC time' };
  if (Number.isNaN(expiresAt)) return { path: 'expiresAt', why: 'must be an RFC 3339 UTC time' };
  if (expiresAt <= issuedAt || expiresAt - issuedAt > MAX_TTL_SECONDS * 1000) {
    return { path: 'expiresAt', why: `must be after issuedAt by at most ${MAX_TTL_SECONDS} s` };
  }
  const nonce = m['nonce'];
  const nonceBytes = typeof nonce === 'string' && nonce.length <= 128 ? decodeBase64Url(nonce) : undefined;
  if (nonceBytes === undefined || nonceBytes.length < 16)
    return { path: 'nonce', why: 'must be ≥16 bytes of base64url' };
  const size = m['treeSize'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > 2 ** 32) {
    return { path: 'treeSize', why: 'must be an integer in 0..2^32' };
  }
  for (const key of ['root', 'requestDigest'] as const) {
    const v = m[key];
    if (!isDigest(v)) return { path: key, why: 'must be a sha256: digest' };
  }
  const prev = m['prev'];
  if (prev !== undefined && (typeof prev !== 'string' || prev.length === 0 || prev.length > 256)) {
    return { path: 'prev', why: 'must be a string of 1–256 chars' };
  }
  const schema = m['schema'];
  if (schema !== undefined && (typeof schema !== 'string' || !schemaPattern.test(schema))) {
    return { path: 'schema', why: 'must be a schema tag like name/v1 (≤128 chars)' };
  }
  const schemaHash = m['schemaHash'];
  if (schemaHash !== undefined && !isDigest(schemaHash)) {
    return { path: 'schemaHash', why: 'must be a sha256: digest' };
  }
  return undefined;
}
