import { InvalidArgumentError } from '@ctxpack/block';
import { assertBytes, isRecord } from '@ctxpack/block/kernel';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual } from './bytes.js';

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);
const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** Most leaves a tree may have; proofs for larger trees are refused, not computed. */
export const MAX_TREE_SIZE: number = 2 ** 32;

/** RFC 6962 §2.1 leaf hash: SHA-256(0x00 ‖ data). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  const h = sha256.create();
  h.update(LEAF_PREFIX);
  h.update(data);
  return h.digest();
}

/** RFC 6962 §2.1 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  assertBytes(left, 'left', 32);
  assertBytes(right, 'right', 32);
  const h = sha256.create();
  h.update(NODE_PREFIX);
  h.update(left);
  h.update(right);
  return h.digest();
}

/** Largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leaves[start] as Uint8Array;
  const k = splitPoint(n);
  return hashChildren(subtreeRoot(leaves, start, start + k), subtreeRoot(leaves, start + k, end));
}

function checkLeafHashes(leafHashes: readonly Uint8Array[]): void {
  if (!Array.isArray(leafHashes) || leafHashes.length > MAX_TREE_SIZE) {
    throw new InvalidArgumentError({
      path: 'leafHashes',
      expected: `an array of at most ${MAX_TREE_SIZE} 32-byte hashes`,
      value: leafHashes,
    });
  }
  for (let i = 0; i < leafHashes.length; i++) assertBytes(leafHashes[i], `leafHashes[${i}]`, 32);
}

/**
 * RFC 6962 §2.1 Merkle Tree Hash over already-hashed leaves ({@link hashLeaf});
 * the empty tree's root is SHA-256 of the empty string.
 *
 * @example
 * merkleRoot(blocks.map((b) => hashLeaf(bytes(b))));
 */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  checkLeafHashes(leafHashes);
  if (leafHashes.length === 0) return Uint8Array.from(EMPTY_ROOT);
  return subtreeRoot(leafHashes, 0, leafHashes.length);
}

/**
 * RFC 6962 §2.1.1 audit path PATH(m, D[n]) for the leaf at `index`: the
 * sibling hashes from the leaf up to the root.
 *
 * @throws {InvalidArgumentError} `invalid_argument` when `index` is not a leaf of the tree.
 * @example
 * const proof = createInclusionProof(leafHashes, 3);
 */
export function createInclusionProof(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  checkLeafHashes(leafHashes);
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new InvalidArgumentError({
      path: 'index',
      expected: `a leaf index below ${leafHashes.length}`,
      value: index,
    });
  }
  const path: Uint8Array[] = [];
  let start = 0;
  let end = leafHashes.length;
  // Walk down from the root, collecting the sibling subtree at each split; reversed at the end.
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(subtreeRoot(leafHashes, start + k, end));
      end = start + k;
    } else {
      path.push(subtreeRoot(leafHashes, start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/** Inputs of {@link verifyInclusionProof}. */
export interface InclusionProofInput {
  leafIndex: number;
  treeSize: number;
  leafHash: Uint8Array;
  proof: readonly Uint8Array[];
  root: Uint8Array;
}

/**
 * RFC 9162 §2.1.3.2 inclusion proof verification: the leaf hash and the proof
 * must rebuild `root`, with `leafIndex < treeSize`, every hash 32 bytes and the
 * proof of exactly the right length. Never throws on hostile input.
 *
 * @example
 * verifyInclusionProof({ leafIndex: 3, treeSize: 8, leafHash, proof, root }); // true | false
 */
export function verifyInclusionProof(input: InclusionProofInput): boolean {
  if (!isRecord(input)) return false;
  const { leafIndex, treeSize, leafHash, proof, root } = input;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize)) return false;
  if (leafIndex < 0 || treeSize > MAX_TREE_SIZE || leafIndex >= treeSize) return false;
  if (!(leafHash instanceof Uint8Array) || leafHash.length !== 32) return false;
  if (!(root instanceof Uint8Array) || root.length !== 32) return false;
  if (!Array.isArray(proof) || proof.length > 64) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (!(p instanceof Uint8Array) || p.length !== 32) return false;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}
