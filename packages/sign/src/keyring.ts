import { InvalidArgumentError } from '@ctxpack/block';
import { assertArray, assertOneOf, assertString, isRecord } from '@ctxpack/block/kernel';
import type { Ed25519Jwk, PublicKey } from './keys.js';
import { importPublicKeyAt } from './keys.js';

/**
 * `active` keys sign and verify; `retired` keys no longer sign but still
 * verify until their `notAfter` (rotation); `revoked` keys never verify.
 */
export type KeyStatus = 'active' | 'retired' | 'revoked';

/** A key as a verifier may be given it: a PublicKey, raw bytes, hex/base64url text, or a JWK. */
export type PublicKeyInput = PublicKey | Uint8Array | string | Ed25519Jwk;

/** One trusted key as given to {@link createKeyring}. */
export interface KeyringEntryInput {
  key: PublicKeyInput;
  /**
   * Another name the key goes by (1–256 chars), e.g. its KMS key name: a
   * signature whose `keyid` is this name is checked against this key. The
   * key's thumbprint always works too.
   */
  id?: string;
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
  readonly id: string | undefined;
  readonly status: KeyStatus;
  readonly notBefore: number | undefined;
  readonly notAfter: number | undefined;
  readonly tenants: readonly string[] | undefined;
}

/** The keys a verifier trusts, found by thumbprint or by the `id` they were given. */
export interface Keyring {
  readonly entries: readonly KeyringEntry[];
  /** The entry whose thumbprint or `id` is `keyId`; ids and thumbprints never collide in one keyring. */
  get(keyId: string): KeyringEntry | undefined;
}

/** Most keys in one keyring. */
export const MAX_KEYRING_ENTRIES = 1024;

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

function toTime(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new InvalidArgumentError({ path, expected: 'a valid time', value });
  return ms;
}

/** True for objects built by {@link createKeyring}. */
export function isKeyring(value: unknown): value is Keyring {
  return typeof value === 'object' && value !== null && keyringBrand.has(value);
}

function readTenants(value: unknown, path: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  assertArray(value, path, 1024);
  const tenants: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const tenant = value[i];
    if (typeof tenant !== 'string' || tenant.length === 0 || tenant.length > 256) {
      throw new InvalidArgumentError({
        path: `${path}[${i}]`,
        expected: 'a tenant of 1–256 chars',
        value: tenant,
      });
    }
    tenants.push(tenant);
  }
  return Object.freeze(tenants);
}

function readEntry(input: unknown, path: string): KeyringEntry {
  if (!isRecord(input))
    throw new InvalidArgumentError({ path, expected: 'a keyring entry { key, … }', value: input });
  const key = importPublicKeyAt(input['key'], `${path}.key`);
  const id = input['id'];
  if (id !== undefined) {
    assertString(id, `${path}.id`, 256);
    if (id === '')
      throw new InvalidArgumentError({ path: `${path}.id`, expected: 'a name of 1–256 chars', value: id });
  }
  const status = input['status'] ?? 'active';
  assertOneOf(status, `${path}.status`, ['active', 'retired', 'revoked']);
  const notBefore = toTime(input['notBefore'], `${path}.notBefore`);
  const notAfter = toTime(input['notAfter'], `${path}.notAfter`);
  if (notBefore !== undefined && notAfter !== undefined && notAfter < notBefore) {
    throw new InvalidArgumentError({
      path: `${path}.notAfter`,
      expected: 'a time after notBefore',
      value: input['notAfter'],
    });
  }
  const tenants = readTenants(input['tenants'], `${path}.tenants`);
  return Object.freeze({ key, id: id as string | undefined, status, notBefore, notAfter, tenants });
}

/**
 * Builds a keyring: the public keys a verifier trusts, each with a status, an
 * optional validity window, optional tenant scopes and an optional `id` (the
 * name a signer uses for it, e.g. a KMS key name). Every key is imported
 * (and so validated) here. A key listed twice, or an id that is another
 * entry's id or thumbprint, is refused: a `keyid` hint selects one key.
 *
 * @throws {InvalidArgumentError} `invalid_argument` with the entry's path (an `InvalidKeyError` for a bad key).
 * @example
 * const keys = createKeyring([
 *   { key: current.publicKey },
 *   { key: previous.publicKey, status: 'retired', notAfter: '2026-12-31T00:00:00Z' },
 *   { key: kmsPublicKey, id: 'projects/acme/keys/signer-1' },
 * ]);
 */
export function createKeyring(entries: readonly KeyringEntryInput[]): Keyring {
  return buildKeyring(entries, 'entries', (input) => input);
}

function buildKeyring(list: unknown, path: string, toEntry: (item: unknown) => unknown): Keyring {
  assertArray(list, path, MAX_KEYRING_ENTRIES);
  const byId = new Map<string, KeyringEntry>();
  const entries: KeyringEntry[] = [];
  for (let i = 0; i < list.length; i++) {
    const entryPath = `${path}[${i}]`;
    const entry = readEntry(toEntry(list[i]), entryPath);
    const names =
      entry.id === undefined || entry.id === entry.key.keyId
        ? [entry.key.keyId]
        : [entry.key.keyId, entry.id];
    for (const name of names) {
      const other = byId.get(name);
      if (other !== undefined) {
        throw new InvalidArgumentError({
          path: name === entry.key.keyId ? entryPath : `${entryPath}.id`,
          expected: `a key and id not already in the keyring (${JSON.stringify(name.slice(0, 80))} is)`,
          value: name,
        });
      }
      byId.set(name, entry);
    }
    entries.push(entry);
  }
  const keyring: Keyring = Object.freeze({
    entries: Object.freeze(entries),
    get: (keyId: string): KeyringEntry | undefined =>
      typeof keyId === 'string' ? byId.get(keyId) : undefined,
  });
  keyringBrand.add(keyring);
  return keyring;
}

/**
 * A keyring from either a keyring or a plain list of trusted public keys (all
 * active, unscoped), errors naming `path` (e.g. `options.keys[2]`).
 */
export function toKeyring(keys: unknown, path: string): Keyring {
  if (isKeyring(keys)) return keys;
  if (!Array.isArray(keys)) {
    throw new InvalidArgumentError({ path, expected: 'a keyring or an array of public keys', value: keys });
  }
  assertArray(keys, path, MAX_KEYRING_ENTRIES);
  const imported = keys.map((key: unknown, i) => ({ key: importPublicKeyAt(key, `${path}[${i}]`) }));
  return buildKeyring(imported, path, (entry) => entry);
}
