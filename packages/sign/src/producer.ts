import type { BlockSource, ContextBlock } from '@ctxpack/block';
import { canonicalizeJson, digestContent } from '@ctxpack/provenance';
import { assertBlockInput, invalidInput, isRecord } from './assert-input.js';
import { verifyEd25519 } from './ed25519.js';
import { decodeBase64, encodeBase64 } from './encoding.js';
import type { Keyring } from './keyring.js';
import { entryProblem, toKeyring } from './keyring.js';
import type { Ed25519Jwk, PublicKey } from './keys.js';
import type { Leaf } from './leaf.js';
import { leafProblem } from './leaf.js';
import { encodePae } from './pae.js';
import { SignError } from './sign-error.js';
import type { Signer } from './signer.js';
import { VerificationError } from './verification-error.js';

/** DSSE payloadType of a producer statement. */
export const PRODUCER_PAYLOAD_TYPE = 'application/vnd.ctxpack.block+json;version=1';

/** The `meta` key under which a block carries its producer's signature (kept by deriveBlock). */
export const PRODUCER_META_KEY = 'ctxpackProducer';

/**
 * A block's signature by the party that produced it (a plugin host, an MCP
 * gateway), made at the source over the statement
 * `{ v: 1, tenant, source, contentDigest }` (DSSE PAE, RFC 8785 JSON). It stays
 * valid through sanitizing or truncating: the derived block lists the signed
 * `contentDigest` among its `parents`.
 */
export interface ProducerSignature {
  keyid: string;
  /** base64 Ed25519 signature. */
  sig: string;
  /** The content digest the producer signed. */
  contentDigest: string;
}

const encoder = new TextEncoder();
const digestPattern = /^sha256:[0-9a-f]{64}$/;

function statementBytes(tenant: string, source: BlockSource, contentDigest: string): Uint8Array {
  return encodePae(
    PRODUCER_PAYLOAD_TYPE,
    encoder.encode(canonicalizeJson({ v: 1, tenant, source, contentDigest })),
  );
}

/**
 * Signs a block at its source. Attach the result with {@link attachProducerSignature}
 * so it travels with the block (and blocks derived from it) into the leaf.
 *
 * @example
 * const signed = attachProducerSignature(block, await signBlock(block, pluginSigner));
 */
export async function signBlock(block: ContextBlock, signer: Signer): Promise<ProducerSignature> {
  assertBlockInput(block, 'block');
  if (!isRecord(signer) || typeof signer['sign'] !== 'function' || typeof signer['keyId'] !== 'string') {
    invalidInput('signer', 'a Signer', signer);
  }
  const contentDigest = digestContent(block.content);
  const sig = await signer.sign(statementBytes(block.tenant, block.source, contentDigest));
  if (!(sig instanceof Uint8Array) || sig.length !== 64) {
    throw new SignError({
      code: 'invalid_sign_input',
      message: 'signer returned no 64-byte signature',
      path: 'signer',
    });
  }
  return { keyid: signer.keyId, sig: encodeBase64(sig), contentDigest };
}

/** A copy of `block` carrying `signature` in `meta` (see {@link PRODUCER_META_KEY}). */
export function attachProducerSignature(block: ContextBlock, signature: ProducerSignature): ContextBlock {
  if (!isRecord(block) || !isRecord(block['meta'])) invalidInput('block', 'a ContextBlock with meta', block);
  const problem = producerProblem(signature);
  if (problem !== undefined) invalidInput('signature', `a ProducerSignature (${problem})`, signature);
  return { ...block, meta: { ...block.meta, [PRODUCER_META_KEY]: { ...signature } } };
}

/** Why `value` is not a producer signature, or `undefined`. */
export function producerProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
  const p = value as Record<string, unknown>;
  if (Object.keys(p).some((k) => k !== 'keyid' && k !== 'sig' && k !== 'contentDigest'))
    return 'has unknown fields';
  if (typeof p['keyid'] !== 'string' || p['keyid'].length > 256) return 'keyid must be a string';
  if (typeof p['sig'] !== 'string' || p['sig'].length !== 88 || decodeBase64(p['sig']) === undefined)
    return 'sig must be 64 bytes of base64';
  if (typeof p['contentDigest'] !== 'string' || !digestPattern.test(p['contentDigest']))
    return 'contentDigest must be a sha256 digest';
  return undefined;
}

/** The producer signature a block carries in its meta, validated; `undefined` when it has none. */
export function producerOf(block: ContextBlock): ProducerSignature | undefined {
  const value = block.meta[PRODUCER_META_KEY];
  if (value === undefined) return undefined;
  const problem = producerProblem(value);
  if (problem !== undefined) {
    throw new SignError({
      code: 'invalid_sign_input',
      message: `producer signature ${problem}`,
      path: `block.meta.${PRODUCER_META_KEY}`,
    });
  }
  const { keyid, sig, contentDigest } = value as ProducerSignature;
  return { keyid, sig, contentDigest };
}

/**
 * Checks the producer signature a leaf carries: by a trusted producer key
 * (valid now, scoped to the leaf's tenant), over the leaf's tenant and source
 * and a content digest that is the leaf's own or one of its parents'.
 *
 * @throws {VerificationError} `signature_invalid` (also when the leaf has no producer signature),
 * `key_unknown`, `key_revoked`, `tenant_mismatch` or `digest_mismatch`.
 * @example
 * const { keyId } = verifyProducerSignature(leaf, { keys: [pluginKey] });
 */
export function verifyProducerSignature(
  leaf: Leaf,
  options: { keys: Keyring | readonly (PublicKey | Uint8Array | string | Ed25519Jwk)[]; now?: Date },
  path = 'leaf',
): { keyId: string } {
  const fail = (code: VerificationError['code'], message: string): never => {
    throw new VerificationError({ code, message, path: `${path}.producer` });
  };
  const problemWithLeaf = leafProblem(leaf);
  if (problemWithLeaf !== undefined)
    return fail('signature_invalid', `not a leaf header: ${problemWithLeaf}`);
  if (!isRecord(options)) return fail('signature_invalid', 'options must be { keys }');
  const producer = leaf.producer;
  if (producer === undefined) return fail('signature_invalid', 'leaf carries no producer signature');
  const problem = producerProblem(producer);
  if (problem !== undefined) return fail('signature_invalid', `producer signature ${problem}`);
  if (producer.contentDigest !== leaf.contentDigest && !leaf.parents.includes(producer.contentDigest)) {
    fail('digest_mismatch', 'the producer signed content that is neither this block nor one of its parents');
  }
  const keyring = toKeyring(options.keys);
  const entry = keyring.get(producer.keyid);
  if (entry === undefined) return fail('key_unknown', `producer key ${producer.keyid} is not trusted`);
  const message = statementBytes(leaf.tenant, leaf.source, producer.contentDigest);
  if (!verifyEd25519(decodeBase64(producer.sig) as Uint8Array, message, entry.key.publicKey)) {
    fail('signature_invalid', 'producer signature does not verify');
  }
  const why = entryProblem(entry, (options.now ?? new Date()).getTime(), leaf.tenant);
  if (why !== undefined) fail(why.code, `producer key ${producer.keyid} ${why.why}`);
  return { keyId: producer.keyid };
}
