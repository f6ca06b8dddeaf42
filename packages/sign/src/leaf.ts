import type { BlockSource, ContextBlock, Transform } from '@ctxpack/block';
import { BLOCK_KINDS, InvalidArgumentError, TRUST_LEVELS } from '@ctxpack/block';
import { decodeBase64Url, encodeBase64Url, encodeHex, isDigest, readOptions } from '@ctxpack/block/kernel';
import {
  canonicalizeJson,
  type DigestAsyncOptions,
  digestContent,
  digestContentAsync,
} from '@ctxpack/provenance';
import { assertBlockInput } from './assert-input.js';
import { hashLeaf } from './merkle.js';
import type { ProducerSignature } from './producer-signature.js';
import { producerOf, producerProblem } from './producer-signature.js';

/** Bytes of random salt in every leaf, so a redacted low-entropy block cannot be guessed from its leaf hash. */
export const LEAF_SALT_BYTES = 16;

/**
 * The header of one block, as committed to in the manifest's Merkle tree.
 * It carries everything about the block except its content, which it binds
 * through `contentDigest`.
 */
export interface Leaf {
  id: string;
  kind: ContextBlock['kind'];
  trust: ContextBlock['trust'];
  source: BlockSource;
  tenant: string;
  labels: string[];
  createdAt: string;
  /** Digests of every block this one was derived from, oldest first (lineage, see deriveBlock). */
  parents: string[];
  transforms: Transform[];
  /** base64url of {@link LEAF_SALT_BYTES} random bytes. */
  salt: string;
  /** `sha256:` + hex of the UTF-8 content bytes. */
  contentDigest: string;
  /** The producer's signature, when the block was signed at its source (see signBlock). */
  producer?: ProducerSignature;
}

/** A leaf whose header is withheld: only its leaf hash is disclosed. */
export interface RedactedLeaf {
  leafHash: string;
}

/** Options of {@link createLeaf}. */
export interface CreateLeafOptions {
  /** 16 bytes; random by default. Pass one only to reproduce a leaf. */
  salt?: Uint8Array;
  /**
   * Take `block.digest` as the content's digest instead of hashing the content
   * again: for a block the caller has just stamped itself (`assemble` does, for
   * every block it signs). A stale digest then goes into the leaf unnoticed, and
   * fails later at a verifier given the contents. Default false.
   */
  trustDigest?: boolean;
}

const encoder = new TextEncoder();

// Salts are cut from a pool filled by one CSPRNG call per 64 leaves: a payload of many blocks
// pays one getRandomValues, not one per leaf. Each salt is used once (the pool is never reread).
const SALT_POOL_BYTES = LEAF_SALT_BYTES * 64;
let saltPool = new Uint8Array(0);
let saltOffset = 0;

function freshSalt(): Uint8Array {
  if (saltOffset + LEAF_SALT_BYTES > saltPool.length) {
    saltPool = globalThis.crypto.getRandomValues(new Uint8Array(SALT_POOL_BYTES));
    saltOffset = 0;
  }
  const salt = saltPool.subarray(saltOffset, saltOffset + LEAF_SALT_BYTES);
  saltOffset += LEAF_SALT_BYTES;
  return salt;
}

function makeSalt(salt: Uint8Array | undefined): string {
  if (salt === undefined) return encodeBase64Url(freshSalt());
  if (!(salt instanceof Uint8Array) || salt.length !== LEAF_SALT_BYTES) {
    throw new InvalidArgumentError({
      path: 'options.salt',
      expected: `${LEAF_SALT_BYTES} bytes`,
      value: salt,
    });
  }
  return encodeBase64Url(salt);
}

function buildLeaf(block: ContextBlock, contentDigest: string, options: Partial<CreateLeafOptions>): Leaf {
  if (block.digest !== undefined && block.digest !== contentDigest) {
    // A stale digest: the block was edited after it was stamped.
    throw new InvalidArgumentError({
      path: 'block.digest',
      expected: `the digest of the block's content (${contentDigest})`,
      value: block.digest,
    });
  }
  const leaf: Leaf = {
    id: block.id,
    kind: block.kind,
    trust: block.trust,
    source: { ...block.source },
    tenant: block.tenant,
    labels: [...block.labels],
    createdAt: block.createdAt,
    parents: [...block.parents],
    // A copy through canonical JSON: depth-limited, and refuses what is not JSON data.
    transforms: JSON.parse(canonicalizeJson(block.transforms)) as Transform[],
    salt: makeSalt(options.salt),
    contentDigest,
  };
  const producer = producerOf(block);
  if (producer !== undefined) leaf.producer = producer;
  // Fail here, at the producer, if anything in the header is not JSON data.
  canonicalizeJson(leaf);
  return leaf;
}

/**
 * The Merkle leaf header of a block: its identity, provenance and lineage,
 * a fresh 16-byte salt, and the SHA-256 of its content (recomputed here; a
 * block whose `digest` disagrees with its content is refused — unless
 * `trustDigest` says the caller has just computed it).
 *
 * @throws {InvalidArgumentError} `invalid_argument` on a bad salt or a stale digest.
 * @example
 * const leaves = blocks.map((b) => createLeaf(b));
 */
export function createLeaf(block: ContextBlock, options: CreateLeafOptions = {}): Leaf {
  assertBlockInput(block, 'block');
  const opts = readOptions(options, 'options');
  return buildLeaf(block, trustedDigest(block, opts) ?? digestContent(block.content), opts);
}

/** `block.digest` when `trustDigest` asks for it and it is a digest; checks the option. */
function trustedDigest(block: ContextBlock, opts: Partial<CreateLeafOptions>): string | undefined {
  if (opts.trustDigest !== undefined && typeof opts.trustDigest !== 'boolean') {
    throw new InvalidArgumentError({
      path: 'options.trustDigest',
      expected: 'a boolean',
      value: opts.trustDigest,
    });
  }
  return opts.trustDigest === true && block.digest !== undefined && isDigest(block.digest)
    ? block.digest
    : undefined;
}

/**
 * Same as {@link createLeaf}, hashing large content with the runtime's native
 * SHA-256 when it has one (see `digestContentAsync` in @ctxpack/provenance).
 *
 * @example
 * const leaves = await Promise.all(blocks.map((b) => createLeafAsync(b)));
 */
export async function createLeafAsync(
  block: ContextBlock,
  options: CreateLeafOptions & DigestAsyncOptions = {},
): Promise<Leaf> {
  assertBlockInput(block, 'block');
  const opts = readOptions(options, 'options');
  const trusted = trustedDigest(block, opts);
  if (trusted !== undefined) return buildLeaf(block, trusted, opts);
  const hashOptions: DigestAsyncOptions = opts.hash === undefined ? {} : { hash: opts.hash };
  return buildLeaf(block, await digestContentAsync(block.content, hashOptions), opts);
}

/** The Merkle leaf hash of a header: SHA-256(0x00 ‖ UTF-8(JCS(leaf))). */
export function hashLeafHeader(leaf: Leaf): Uint8Array {
  return hashLeaf(encoder.encode(canonicalizeJson(leaf)));
}

/** `sha256:` + hex of {@link hashLeafHeader}: what a redacted leaf discloses. */
export function leafHashOf(leaf: Leaf): string {
  return `sha256:${encodeHex(hashLeafHeader(leaf))}`;
}

/** Replaces a leaf by its hash, withholding the header (and so the content). */
export function redactLeaf(leaf: Leaf): RedactedLeaf {
  return { leafHash: leafHashOf(leaf) };
}

// ---- validation of leaves received by a verifier -------------------------------------------

const kinds: ReadonlySet<string> = new Set(BLOCK_KINDS);
const trusts: ReadonlySet<string> = new Set(TRUST_LEVELS);
const leafKeys = new Set([
  'id',
  'kind',
  'trust',
  'source',
  'tenant',
  'labels',
  'createdAt',
  'parents',
  'transforms',
  'salt',
  'contentDigest',
  'producer',
]);

const isString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const isStringArray = (v: unknown, maxItems: number): v is string[] =>
  Array.isArray(v) && v.length <= maxItems && v.every((s) => isString(s, 1024));

/** Why `value` is not a leaf header, or `undefined` when it is one. */
export function leafProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const leaf = value as Record<string, unknown>;
  for (const key of Object.keys(leaf))
    if (!leafKeys.has(key)) return `unknown field ${JSON.stringify(key).slice(0, 80)}`;
  if (!isString(leaf['id'], 256) || leaf['id'] === '') return 'id must be a string';
  if (!kinds.has(leaf['kind'] as string)) return 'kind is not a block kind';
  if (!trusts.has(leaf['trust'] as string)) return 'trust is not a trust level';
  const source = leaf['source'];
  if (typeof source !== 'object' || source === null || Array.isArray(source))
    return 'source must be an object';
  if (!isString((source as Record<string, unknown>)['type'], 1024)) return 'source.type must be a string';
  if (!Object.values(source).every((v) => isString(v, 8192))) return 'source fields must be strings';
  if (!isString(leaf['tenant'], 256)) return 'tenant must be a string';
  if (!isStringArray(leaf['labels'], 64)) return 'labels must be strings';
  if (!isString(leaf['createdAt'], 64)) return 'createdAt must be a string';
  const parents = leaf['parents'];
  if (!isStringArray(parents, 64) || !parents.every(isDigest)) return 'parents must be sha256 digests';
  const transforms = leaf['transforms'];
  if (!Array.isArray(transforms) || transforms.length > 64) return 'transforms must be an array';
  for (const t of transforms) {
    if (typeof t !== 'object' || t === null || !isString((t as Record<string, unknown>)['kind'], 1024))
      return 'transform needs a kind';
  }
  const salt = leaf['salt'];
  if (typeof salt !== 'string' || decodeBase64Url(salt)?.length !== LEAF_SALT_BYTES)
    return 'salt must be 16 bytes of base64url';
  if (!isDigest(leaf['contentDigest'])) return 'contentDigest must be a sha256 digest';
  if (leaf['producer'] !== undefined) {
    const problem = producerProblem(leaf['producer']);
    if (problem !== undefined) return `producer ${problem}`;
  }
  return undefined;
}
