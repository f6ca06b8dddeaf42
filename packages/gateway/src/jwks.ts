import { isRecord } from '@ctxpack/block/kernel';
import type { Keyring, KeyringEntryInput, KeyStatus, PublicKey } from '@ctxpack/sign';
import {
  createKeyring,
  deriveKeyId,
  exportPublicKey,
  importPublicKey,
  MAX_KEYRING_ENTRIES,
} from '@ctxpack/sign';
import type { GatewayConfigIssue } from './gateway-config-error.js';
import { GatewayConfigError } from './gateway-config-error.js';

/**
 * One Ed25519 public key of a {@link Jwks} (RFC 8037 OKP), `kid` = its RFC
 * 7638 thumbprint. The `ctxpack_*` members are ours (RFC 7517 §4: other
 * members are ignored by JOSE libraries that do not know them):
 * `ctxpack_status` (`active` | `retired` | `revoked`, default active),
 * `ctxpack_not_before` / `ctxpack_not_after` (RFC 3339, the window in which
 * the key verifies), `ctxpack_tenants` (the tenants it may vouch for),
 * `ctxpack_id` (another name signatures may use, e.g. a KMS key name).
 */
export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
  ctxpack_status?: KeyStatus;
  ctxpack_not_before?: string;
  ctxpack_not_after?: string;
  ctxpack_tenants?: string[];
  ctxpack_id?: string;
}

/** A JSON Web Key Set (RFC 7517 §5) of Ed25519 public keys. */
export interface Jwks {
  keys: Ed25519PublicJwk[];
}

/** A key set entry to export: a public key (or key pair) with its status, window and scope. */
export interface JwksEntryInput {
  key: PublicKey | { publicKey: Uint8Array };
  status?: KeyStatus;
  notBefore?: Date | string;
  notAfter?: Date | string;
  tenants?: readonly string[];
  id?: string;
}

function isoTime(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/**
 * Writes public keys as a JWKS, each with `kid` = its thumbprint and the
 * `ctxpack_*` members for status, validity window, tenants and alias. The
 * entries are checked as a keyring is (valid keys, no duplicates, windows in
 * order), so what is exported imports back. Secret halves are never written.
 *
 * @example
 * const jwks = exportJwks([{ key: current }, { key: previous, status: 'retired', notAfter: '2026-09-01T00:00:00Z' }]);
 * await writeFile('keys.jwks.json', JSON.stringify(jwks, null, 2));
 */
export function exportJwks(entries: readonly JwksEntryInput[]): Jwks {
  const keyring = createKeyring(
    entries.map((entry) => ({
      key: importPublicKey(entry.key.publicKey),
      ...(entry.status === undefined ? {} : { status: entry.status }),
      ...(entry.notBefore === undefined ? {} : { notBefore: entry.notBefore }),
      ...(entry.notAfter === undefined ? {} : { notAfter: entry.notAfter }),
      ...(entry.tenants === undefined ? {} : { tenants: entry.tenants }),
      ...(entry.id === undefined ? {} : { id: entry.id }),
    })),
  );
  return {
    keys: keyring.entries.map((entry) => {
      const jwk: Ed25519PublicJwk = {
        kty: 'OKP',
        crv: 'Ed25519',
        x: exportPublicKey(entry.key, 'base64url'),
        kid: entry.key.keyId,
        alg: 'EdDSA',
        use: 'sig',
      };
      if (entry.status !== 'active') jwk.ctxpack_status = entry.status;
      const notBefore = isoTime(entry.notBefore === undefined ? undefined : new Date(entry.notBefore));
      const notAfter = isoTime(entry.notAfter === undefined ? undefined : new Date(entry.notAfter));
      if (notBefore !== undefined) jwk.ctxpack_not_before = notBefore;
      if (notAfter !== undefined) jwk.ctxpack_not_after = notAfter;
      if (entry.tenants !== undefined) jwk.ctxpack_tenants = [...entry.tenants];
      if (entry.id !== undefined) jwk.ctxpack_id = entry.id;
      return jwk;
    }),
  };
}

const STATUSES: ReadonlySet<unknown> = new Set(['active', 'retired', 'revoked']);

function readJwk(jwk: unknown, path: string, issues: GatewayConfigIssue[]): KeyringEntryInput | undefined {
  const issue = (where: string, message: string): undefined => {
    issues.push({ path: `${path}${where}`, message });
    return undefined;
  };
  if (!isRecord(jwk)) return issue('', 'is not a JWK object');
  if ('d' in jwk) return issue('.d', 'a key set must not hold secret keys');
  if (jwk['kty'] !== 'OKP') return issue('.kty', 'must be "OKP" (RFC 8037)');
  if (jwk['crv'] !== 'Ed25519') return issue('.crv', 'must be "Ed25519"');
  if (jwk['alg'] !== undefined && jwk['alg'] !== 'EdDSA' && jwk['alg'] !== 'Ed25519') {
    return issue('.alg', 'must be "EdDSA" when present');
  }
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig') return issue('.use', 'must be "sig" when present');
  let key: PublicKey;
  try {
    key = importPublicKey({ kty: 'OKP', crv: 'Ed25519', x: jwk['x'] as string });
  } catch (cause) {
    return issue('.x', `is not a valid Ed25519 public key (${(cause as Error).message})`);
  }
  // A kid that is not the thumbprint would let a file name one key by another's id.
  if (jwk['kid'] !== undefined && jwk['kid'] !== deriveKeyId(key.publicKey)) {
    return issue('.kid', 'is not the RFC 7638 thumbprint of x');
  }
  const entry: KeyringEntryInput = { key };
  const status = jwk['ctxpack_status'];
  if (status !== undefined) {
    if (!STATUSES.has(status)) return issue('.ctxpack_status', 'must be active, retired or revoked');
    entry.status = status as KeyStatus;
  }
  for (const [member, field] of [
    ['ctxpack_not_before', 'notBefore'],
    ['ctxpack_not_after', 'notAfter'],
  ] as const) {
    const value = jwk[member];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !Number.isFinite(Date.parse(value))) {
      return issue(`.${member}`, 'must be an RFC 3339 time');
    }
    entry[field] = value;
  }
  const tenants = jwk['ctxpack_tenants'];
  if (tenants !== undefined) {
    if (!Array.isArray(tenants) || tenants.length > 1024 || !tenants.every((t) => typeof t === 'string')) {
      return issue('.ctxpack_tenants', 'must be an array of tenant ids');
    }
    entry.tenants = tenants as string[];
  }
  const id = jwk['ctxpack_id'];
  if (id !== undefined) {
    if (typeof id !== 'string') return issue('.ctxpack_id', 'must be a string');
    entry.id = id;
  }
  return entry;
}

/**
 * Reads a JWKS (object or JSON text) into a keyring: every key must be an
 * Ed25519 public key (OKP), `kid`, when present, its thumbprint; `d` is
 * refused; the `ctxpack_*` members give status, window, tenants and alias
 * (see {@link Ed25519PublicJwk}). All problems are reported together, with
 * paths, in one `GatewayConfigError`.
 *
 * @example
 * const keyring = importJwks(await readFile('keys.jwks.json', 'utf8'), 'keys.jwks.json');
 */
export function importJwks(input: unknown, source = 'jwks'): Keyring {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new GatewayConfigError({ source, issues: [{ path: '(root)', message: 'is not JSON' }], cause });
    }
  }
  if (!isRecord(value) || !Array.isArray(value['keys'])) {
    throw new GatewayConfigError({ source, issues: [{ path: 'keys', message: 'must be an array of JWKs' }] });
  }
  const keys = value['keys'] as unknown[];
  if (keys.length > MAX_KEYRING_ENTRIES) {
    throw new GatewayConfigError({
      source,
      issues: [{ path: 'keys', message: `holds more than ${MAX_KEYRING_ENTRIES} keys` }],
    });
  }
  const issues: GatewayConfigIssue[] = [];
  const entries: KeyringEntryInput[] = [];
  for (let i = 0; i < keys.length; i++) {
    const entry = readJwk(keys[i], `keys[${i}]`, issues);
    if (entry !== undefined) entries.push(entry);
  }
  if (issues.length > 0) throw new GatewayConfigError({ source, issues });
  try {
    return createKeyring(entries);
  } catch (cause) {
    const path = (cause as { path?: string }).path ?? 'keys';
    throw new GatewayConfigError({
      source,
      issues: [{ path: path.replace(/^entries/, 'keys'), message: (cause as Error).message }],
      cause,
    });
  }
}
