import type { ContextBlock } from '@ctxpack/block';
import { InvalidArgumentError } from '@ctxpack/block';
import { decodeBase64, encodeBase64, isRecord } from '@ctxpack/block/kernel';
import { digestContent } from '@ctxpack/provenance';
import { assertBlockInput, readDate } from './assert-input.js';
import { verifyEd25519 } from './ed25519.js';
import type { Ed25519Path } from './ed25519-native.js';
import { verifyEd25519On } from './ed25519-native.js';
import type { Keyring, KeyringEntry, PublicKeyInput } from './keyring.js';
import { entryProblem, toKeyring } from './keyring.js';
import type { Leaf } from './leaf.js';
import { leafProblem } from './leaf.js';
import type { NativeCrypto } from './native-crypto.js';
import type { ProducerSignature } from './producer-signature.js';
import { PRODUCER_META_KEY, producerProblem, statementBytes } from './producer-signature.js';
import type { Signer } from './signer.js';
import { VerificationError } from './verification-error.js';

/**
 * Signs a block at its source. Attach the result with {@link attachProducerSignature}
 * so it travels with the block (and blocks derived from it) into the leaf.
 *
 * @example
 * const signed = attachProducerSignature(block, await signBlock(block, pluginSigner));
 */
export async function signBlock(block: ContextBlock, signer: Signer): Promise<ProducerSignature> {
  assertBlockInput(block, 'block');
  if (
    !isRecord(signer) ||
    typeof signer['sign'] !== 'function' ||
    typeof signer['keyId'] !== 'string' ||
    signer['keyId'].length === 0 ||
    signer['keyId'].length > 256
  ) {
    throw new InvalidArgumentError({
      path: 'signer',
      expected: 'a Signer (keyId of 1–256 chars, sign())',
      value: signer,
    });
  }
  const contentDigest = digestContent(block.content);
  const sig = await signer.sign(statementBytes(block.tenant, block.source, contentDigest));
  if (!(sig instanceof Uint8Array) || sig.length !== 64) {
    throw new InvalidArgumentError({
      path: 'signer',
      expected: 'a Signer that returns 64-byte signatures',
      value: sig,
    });
  }
  return { keyid: signer.keyId, sig: encodeBase64(sig), contentDigest };
}

/** A copy of `block` carrying `signature` in `meta` (see {@link PRODUCER_META_KEY}). */
export function attachProducerSignature(block: ContextBlock, signature: ProducerSignature): ContextBlock {
  if (!isRecord(block) || !isRecord(block['meta'])) {
    throw new InvalidArgumentError({ path: 'block', expected: 'a ContextBlock with meta', value: block });
  }
  const problem = producerProblem(signature);
  if (problem !== undefined) {
    throw new InvalidArgumentError({
      path: 'signature',
      expected: `a ProducerSignature (${problem})`,
      value: signature,
    });
  }
  return { ...block, meta: { ...block.meta, [PRODUCER_META_KEY]: { ...signature } } };
}

/** Options of {@link verifyProducerSignature}. */
export interface VerifyProducerOptions {
  /** The trusted producer keys. */
  keys: Keyring | readonly PublicKeyInput[];
  now?: Date;
}

interface ProducerCheck {
  entry: KeyringEntry;
  message: Uint8Array;
  sig: Uint8Array;
  fail: (code: VerificationError['code'], message: string) => never;
}

/** Everything about a leaf's producer signature but the Ed25519 check itself. */
function prepareProducerCheck(leaf: Leaf, keyring: Keyring, path: string): ProducerCheck {
  const fail = (code: VerificationError['code'], message: string): never => {
    throw new VerificationError({ code, message, path: `${path}.producer` });
  };
  const producer = leaf.producer;
  if (producer === undefined) return fail('signature_invalid', 'leaf carries no producer signature');
  const problem = producerProblem(producer);
  if (problem !== undefined) return fail('signature_invalid', `producer signature ${problem}`);
  if (producer.contentDigest !== leaf.contentDigest && !leaf.parents.includes(producer.contentDigest)) {
    fail(
      'digest_mismatch',
      'the producer signed content that is neither this block nor one of its ancestors',
    );
  }
  const entry = keyring.get(producer.keyid);
  if (entry === undefined) return fail('key_unknown', `producer key ${producer.keyid} is not trusted`);
  const message = statementBytes(leaf.tenant, leaf.source, producer.contentDigest);
  return { entry, message, sig: decodeBase64(producer.sig) as Uint8Array, fail };
}

function finishProducerCheck(
  check: ProducerCheck,
  valid: boolean,
  leaf: Leaf,
  now: number,
): { keyId: string } {
  const { entry, fail } = check;
  if (!valid) fail('signature_invalid', 'producer signature does not verify');
  const why = entryProblem(entry, now, leaf.tenant);
  if (why !== undefined) fail(why.code, `producer key ${leaf.producer?.keyid} ${why.why}`);
  return { keyId: entry.key.keyId };
}

/** {@link verifyProducerSignature} over an already-built keyring, errors at `path`. */
export function checkProducerSignature(
  leaf: Leaf,
  keyring: Keyring,
  now: number,
  path: string,
): { keyId: string } {
  const check = prepareProducerCheck(leaf, keyring, path);
  return finishProducerCheck(
    check,
    verifyEd25519(check.sig, check.message, check.entry.key.publicKey),
    leaf,
    now,
  );
}

/** {@link checkProducerSignature} with the Ed25519 check on `ed25519` (native where available). */
export async function checkProducerSignatureAsync(
  leaf: Leaf,
  keyring: Keyring,
  now: number,
  path: string,
  ed25519: Ed25519Path,
  native?: NativeCrypto,
): Promise<{ keyId: string }> {
  const check = prepareProducerCheck(leaf, keyring, path);
  const valid = await verifyEd25519On(ed25519, check.sig, check.message, check.entry.key.publicKey, native);
  return finishProducerCheck(check, valid, leaf, now);
}

/**
 * Checks the producer signature a leaf carries: by a trusted producer key
 * (valid now, scoped to the leaf's tenant; one Ed25519 verification, the key
 * found by its thumbprint or keyring id), over the leaf's tenant and source
 * and a content digest that is the leaf's own or one of its ancestors'.
 *
 * @throws {InvalidArgumentError} `invalid_argument` for a wrong `options`.
 * @throws {VerificationError} `signature_invalid` (also when the leaf is malformed or has no
 * producer signature), `key_unknown`, `key_revoked`, `tenant_mismatch` or `digest_mismatch`.
 * @example
 * const { keyId } = verifyProducerSignature(leaf, { keys: [pluginKey] });
 */
export function verifyProducerSignature(leaf: Leaf, options: VerifyProducerOptions): { keyId: string } {
  if (!isRecord(options))
    throw new InvalidArgumentError({ path: 'options', expected: 'an object { keys, now? }', value: options });
  const keyring = toKeyring(options.keys, 'options.keys');
  const now = options.now === undefined ? Date.now() : readDate(options.now, 'options.now');
  const problemWithLeaf = leafProblem(leaf);
  if (problemWithLeaf !== undefined) {
    throw new VerificationError({
      code: 'signature_invalid',
      message: `not a leaf header: ${problemWithLeaf}`,
      path: 'leaf',
    });
  }
  return checkProducerSignature(leaf, keyring, now, 'leaf');
}
