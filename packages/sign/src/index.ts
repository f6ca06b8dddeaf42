export { verifyEd25519 } from './ed25519.js';
export { decodeBase64, decodeBase64Url, decodeHex, encodeBase64, encodeBase64Url } from './encoding.js';
export type { Keyring, KeyringEntry, KeyringEntryInput, KeyStatus } from './keyring.js';
export { createKeyring, isKeyring } from './keyring.js';
export type { Ed25519Jwk, KeyFormat, KeyPair, PublicKey } from './keys.js';
export {
  deriveKeyId,
  exportKeyPair,
  exportPublicKey,
  generateKeyPair,
  importKeyPair,
  importPublicKey,
  isPublicKey,
} from './keys.js';
export type { CreateLeafOptions, Leaf, RedactedLeaf } from './leaf.js';
export {
  createLeaf,
  createLeafAsync,
  hashLeafHeader,
  LEAF_SALT_BYTES,
  leafHashOf,
  redactLeaf,
} from './leaf.js';
export type { LeafProof } from './leaf-proof.js';
export { createLeafProof, verifyLeafProof } from './leaf-proof.js';
export type { Manifest } from './manifest.js';
export { MANIFEST_PAYLOAD_TYPE, MANIFEST_VERSION, MAX_TTL_SECONDS } from './manifest.js';
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
export type { ProducerSignature } from './producer.js';
export {
  attachProducerSignature,
  PRODUCER_META_KEY,
  PRODUCER_PAYLOAD_TYPE,
  signBlock,
  verifyProducerSignature,
} from './producer.js';
export type { MemoryReplayStoreOptions, ReplayStore } from './replay-store.js';
export { createMemoryReplayStore } from './replay-store.js';
export type { SignErrorCode } from './sign-error.js';
export { SignError } from './sign-error.js';
export type { Envelope, SignManifestInput } from './sign-manifest.js';
export { MAX_SIGNATURES, signManifest } from './sign-manifest.js';
export type { Signer } from './signer.js';
export { createSigner } from './signer.js';
export type { VerificationErrorCode, VerificationErrorOptions } from './verification-error.js';
export { VerificationError } from './verification-error.js';
export type { VerifiedEnvelope, VerifyEnvelopeInput, VerifyEnvelopeOptions } from './verify-envelope.js';
export { MAX_PAYLOAD_BYTES, verifyEnvelope } from './verify-envelope.js';
