/**
 * `@ctxpack/sign/primitives`: the building blocks under the signing contract,
 * for tools that inspect or rebuild envelopes by hand (auditors, conformance
 * tests, other-language ports, gateways): the pinned Ed25519 check (pure JS,
 * or native where the runtime has it), RFC 6962 Merkle
 * hashing and proofs, DSSE PAE, leaf hashing, and the wire constants. The
 * main entry (`@ctxpack/sign`) is what applications need.
 *
 * @example
 * import { encodePae, merkleRoot, verifyEd25519 } from '@ctxpack/sign/primitives';
 */
export { verifyEd25519 } from './ed25519.js';
export type { Ed25519Path, VerifyEd25519Options } from './ed25519-native.js';
export { hasNativeEd25519, MAX_CACHED_KEYS, verifyEd25519Async } from './ed25519-native.js';
export { hashLeafHeader, LEAF_SALT_BYTES, leafHashOf } from './leaf.js';
export { MANIFEST_PAYLOAD_TYPE, MANIFEST_VERSION } from './manifest.js';
export type { InclusionProofInput } from './merkle.js';
export {
  createInclusionProof,
  hashChildren,
  hashLeaf,
  MAX_TREE_SIZE,
  merkleRoot,
  verifyInclusionProof,
} from './merkle.js';
export { encodePae } from './pae.js';
export { PRODUCER_META_KEY, PRODUCER_PAYLOAD_TYPE } from './producer-signature.js';
