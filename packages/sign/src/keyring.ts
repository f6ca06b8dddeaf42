import type { Ed25519Jwk, PublicKey } from './keys.js';
import { importPublicKey } from './keys.js';
import { SignError } from './sign-error.js';

/**
 * `active` keys sign and verify; `retired` keys no longer sign but still
 * verify until their `notAfter` (rotation); `revoked` keys never verify.
 */
export type KeyStatus = 'active' | 'retired' | 'revoked';

/** One trusted key as given to {@link createKeyring}. */
export interface KeyringEntryInput {
  key: PublicKey | Uint8Array | string | Ed25519Jwk;
  status?: KeyStatus;
  /** The key verifies only from this time on (RFC 3339 string or Date). */
  notBefore?: Date | string;
  /** The key verifies only until this time. */
  notAfter?: Date | string;
  /** When set, the key may only vouch for payloads of these tenants. */
  tenants?: readonly string[];
}

/** A validated keyring entry. Times are epoch milliseconds. */
export interface KeyringEntry {
  readonly key: PublicKey;
  readonly status: KeyStatus;
  readonly notBefore: number | undefined;
  readonly notAfter: number | undefined;
  readonly tenants: readonly string[] | undefined;
}

/** The keys a verifier trusts, by key id. */
export interface Keyring {
  readonly entries: readonly KeyringEntry[];
  get(keyId: string): KeyringEntry | undefined;
}

/** Why an entry cannot vouch at `now` for `tenant`, or `undefined` when it can. */
export function entryProblem(
  entry: KeyringEntry,
  now: number,
  tenant: string,
): { code: 'key_revoked' | 'tenant_mismatch'; why: string } | undefined {
  if (entry.status === 'revoked') return { code: 'key_revoked', why: 'is revoked' };
  if (entry.notBefore !== undefined && now < entry.notBefore) {
    return { code: 'key_revoked', why: `is not valid before ${new Date(entry.notBefore).toISOString()}` };
  }
  if (entry.notAfter !== undefined && now > entry.notAfter) {
    return { code: 'key_revoked', why: `expired at ${new Date(entry.notAfter).toISOString()}` };
  }
  if (entry.tenants !== undefined && !entry.tenants.includes(tenant)) {
    return { code: 'tenant_mismatch', why: `is not scoped to tenant ${JSON.stringify(tenant)}` };
  }
  return undefined;
}

const keyringBrand: WeakSet<object> = new WeakSet();
const MAX_KEYRING_ENTRIES = 1024;

function toTime(value: Date | string | undefined, path: string): number | undefined {
  if (value === undefined) return undefined;
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new SignError({ code: 'invalid_keyring', message: `${String(value)} is not a valid time`, path });
  }
  return ms;
}

/** True for objects built by {@link createKeyring}. */
export function isKeyring(value: unknown): value is Keyring {
  return typeof value === 'object' && value !== null && keyringBrand.has(value);
}

/**
 * Builds a keyring: the public keys a verifier trusts, each with a status, an
 * optional validity window and optional tenant scopes. Every key is imported
 * (and so validated) here. Duplicate keys are refused.
 *
 * @throws {SignError} `invalid_key` or `invalid_keyring` with the entry's path.
 * @example
 * const keys = createKeyring([
 *   { key: current.publicKey },
 *   { key: previous.publicKey, status: 'retired', notAfter: '2026-12-31T00:00:00Z' },
 *   { key: tenantKey, tenants: ['acme'] },
 * ]);
 */
export function createKeyring(entries: readonly KeyringEntryInput[]): Keyring {
  if (!Array.isArray(entries)) {
    throw new SignError({ code: 'invalid_keyring', message: 'entries must be an array', path: 'entries' });
  }
  if (entries.length > MAX_KEYRING_ENTRIES) {
    throw new SignError({
      code: 'invalid_keyring',
      message: `at most ${MAX_KEYRING_ENTRIES} keys`,
      path: 'entries',
    });
  }
  const byId = new Map<string, KeyringEntry>();
  entries.forEach((input, i) => {
    const path = `entries[${i}]`;
    if (typeof input !== 'object' || input === null) {
      throw new SignError({ code: 'invalid_keyring', message: 'entry must be an object', path });
    }
    let key: PublicKey;
    try {
      key = importPublicKey(input.key);
    } catch (cause) {
      if (SignError.isInstance(cause)) {
        throw new SignError({
          code: 'invalid_key',
          message: cause.message,
          path: `${path}.key`,
          reason: cause.reason ?? 'encoding',
          cause,
        });
      }
      throw cause;
    }
    const status = input.status ?? 'active';
    if (status !== 'active' && status !== 'retired' && status !== 'revoked') {
      throw new SignError({
        code: 'invalid_keyring',
        message: `unknown status ${String(status)}`,
        path: `${path}.status`,
      });
    }
    const notBefore = toTime(input.notBefore, `${path}.notBefore`);
    const notAfter = toTime(input.notAfter, `${path}.notAfter`);
    if (notBefore !== undefined && notAfter !== undefined && notAfter < notBefore) {
      throw new SignError({
        code: 'invalid_keyring',
        message: 'notAfter is before notBefore',
        path: `${path}.notAfter`,
      });
    }
    let tenants: readonly string[] | undefined;
    if (input.tenants !== undefined) {
      if (
        !Array.isArray(input.tenants) ||
        !input.tenants.every((t: unknown) => typeof t === 'string' && t.length > 0)
      ) {
        throw new SignError({
          code: 'invalid_keyring',
          message: 'tenants must be non-empty strings',
          path: `${path}.tenants`,
        });
      }
      tenants = Object.freeze([...input.tenants]);
    }
    if (byId.has(key.keyId)) {
      throw new SignError({ code: 'invalid_keyring', message: `key ${key.keyId} is listed twice`, path });
    }
    byId.set(key.keyId, Object.freeze({ key, status, notBefore, notAfter, tenants }));
  });
  const keyring: Keyring = Object.freeze({
    entries: Object.freeze([...byId.values()]),
    get: (keyId: string): KeyringEntry | undefined => byId.get(keyId),
  });
  keyringBrand.add(keyring);
  return keyring;
}

/** A keyring from either a keyring or a plain list of trusted public keys (all active, unscoped). */
export function toKeyring(
  keys: Keyring | readonly (PublicKey | Uint8Array | string | Ed25519Jwk)[],
): Keyring {
  if (isKeyring(keys)) return keys;
  if (!Array.isArray(keys)) {
    throw new SignError({
      code: 'invalid_keyring',
      message: 'keys must be a keyring or an array of public keys',
      path: 'keys',
    });
  }
  return createKeyring(keys.map((key) => ({ key })));
}
