import type { BlockSource, ContextBlock } from '@ctxpack/block';
import { InvalidArgumentError } from '@ctxpack/block';
import { decodeBase64, isDigest, isRecord } from '@ctxpack/block/kernel';
import { canonicalizeJson } from '@ctxpack/provenance';
import { encodePae } from './pae.js';

/** DSSE payloadType of a producer statement. */
export const PRODUCER_PAYLOAD_TYPE = 'application/vnd.ctxpack.block+json;version=1';

/** The `meta` key under which a block carries its producer's signature (kept by deriveBlock). */
export const PRODUCER_META_KEY = 'ctxpackProducer';

/**
 * A block's signature by the party that produced it (a plugin host, an MCP
 * gateway), made at the source over the statement
 * `{ v: 1, tenant, source, contentDigest }` (DSSE PAE, RFC 8785 JSON). It stays
 * valid through any chain of sanitizing and truncating: a derived block lists
 * every ancestor's digest, back to the signed original, among its `parents`.
 */
export interface ProducerSignature {
  keyid: string;
  /** base64 Ed25519 signature. */
  sig: string;
  /** The content digest the producer signed. */
  contentDigest: string;
}

const encoder = new TextEncoder();

/** The bytes a producer signs: PAE of the canonical statement. */
export function statementBytes(tenant: string, source: BlockSource, contentDigest: string): Uint8Array {
  return encodePae(
    PRODUCER_PAYLOAD_TYPE,
    encoder.encode(canonicalizeJson({ v: 1, tenant, source, contentDigest })),
  );
}

/** Why `value` is not a producer signature, or `undefined`. */
export function producerProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'must be an object';
  if (Object.keys(value).some((k) => k !== 'keyid' && k !== 'sig' && k !== 'contentDigest'))
    return 'has unknown fields';
  const keyid = value['keyid'];
  if (typeof keyid !== 'string' || keyid.length === 0 || keyid.length > 256) return 'keyid must be a string';
  const sig = value['sig'];
  if (typeof sig !== 'string' || sig.length !== 88 || decodeBase64(sig) === undefined)
    return 'sig must be 64 bytes of base64';
  if (!isDigest(value['contentDigest'])) return 'contentDigest must be a sha256 digest';
  return undefined;
}

/** The producer signature a block carries in its meta, validated; `undefined` when it has none. */
export function producerOf(block: ContextBlock, path = 'block'): ProducerSignature | undefined {
  const value = block.meta[PRODUCER_META_KEY];
  if (value === undefined) return undefined;
  const problem = producerProblem(value);
  if (problem !== undefined) {
    throw new InvalidArgumentError({
      path: `${path}.meta.${PRODUCER_META_KEY}`,
      expected: `a producer signature (${problem})`,
      value,
    });
  }
  const { keyid, sig, contentDigest } = value as ProducerSignature;
  return { keyid, sig, contentDigest };
}
