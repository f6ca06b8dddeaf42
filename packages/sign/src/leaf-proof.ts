import { InvalidArgumentError } from '@ctxpack/block';
import { assertArray, decodeHex, encodeHex, isDigest, isRecord } from '@ctxpack/block/kernel';
import type { Leaf } from './leaf.js';
import { hashLeafHeader, leafProblem } from './leaf.js';
import type { Manifest } from './manifest.js';
import { createInclusionProof, MAX_TREE_SIZE, verifyInclusionProof } from './merkle.js';
import { VerificationError } from './verification-error.js';

/** Proof that one leaf is in a manifest's tree, shareable without the other leaves. Hashes are `sha256:` hex. */
export interface LeafProof {
  leafIndex: number;
  treeSize: number;
  proof: string[];
}

function bad(message: string): never {
  throw new VerificationError({ code: 'proof_invalid', message, path: 'proof' });
}

/**
 * The inclusion proof of `leaves[index]` in the tree of `leaves`, for an
 * auditor who should see that one block only.
 *
 * @example
 * const proof = createLeafProof(leaves, 2);
 */
export function createLeafProof(leaves: readonly Leaf[], index: number): LeafProof {
  assertArray(leaves, 'leaves', MAX_TREE_SIZE);
  leaves.forEach((leaf, i) => {
    const problem = leafProblem(leaf);
    if (problem !== undefined) {
      throw new InvalidArgumentError({
        path: `leaves[${i}]`,
        expected: `a leaf header (${problem})`,
        value: leaf,
      });
    }
  });
  const proof = createInclusionProof(leaves.map(hashLeafHeader), index);
  return { leafIndex: index, treeSize: leaves.length, proof: proof.map((h) => `sha256:${encodeHex(h)}`) };
}

/**
 * Checks that a leaf — its header, or only its `leafHash` when redacted — is
 * in the tree of a manifest that was already verified (see verifyEnvelope).
 *
 * @throws {VerificationError} `proof_invalid`.
 * @example
 * verifyLeafProof(manifest, { leaf }, proof);
 */
export function verifyLeafProof(
  manifest: Pick<Manifest, 'root' | 'treeSize'>,
  item: { leaf: unknown } | { leafHash: string },
  proof: LeafProof,
): void {
  if (!isRecord(manifest)) {
    throw new InvalidArgumentError({ path: 'manifest', expected: 'a verified manifest', value: manifest });
  }
  if (!isRecord(item)) bad('item must be { leaf } or { leafHash }');
  let leafHash: Uint8Array | undefined;
  if ('leaf' in item) {
    const problem = leafProblem(item.leaf);
    if (problem !== undefined) bad(`not a leaf header: ${problem}`);
    leafHash = hashLeafHeader(item.leaf as Leaf);
  } else if ('leafHash' in item && isDigest(item.leafHash)) {
    leafHash = decodeHex(item.leafHash.slice(7));
  }
  if (leafHash === undefined) bad('leafHash must be a sha256: digest');
  if (typeof proof !== 'object' || proof === null || !Array.isArray(proof.proof))
    bad('proof must be a LeafProof');
  if (proof.treeSize !== manifest.treeSize)
    bad(`proof is for a tree of ${proof.treeSize}, the manifest has ${manifest.treeSize}`);
  const path: Uint8Array[] = [];
  for (const h of proof.proof) {
    if (!isDigest(h)) bad('proof hashes must be sha256: digests');
    path.push(decodeHex(h.slice(7)) as Uint8Array);
  }
  const root = isDigest(manifest.root) ? decodeHex(manifest.root.slice(7)) : undefined;
  if (root === undefined) bad('manifest root is not a sha256: digest');
  if (
    !verifyInclusionProof({
      leafIndex: proof.leafIndex,
      treeSize: proof.treeSize,
      leafHash,
      proof: path,
      root,
    })
  ) {
    bad('the leaf and proof do not rebuild the signed root');
  }
}
