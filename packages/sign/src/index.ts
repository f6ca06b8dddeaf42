export { MAX_UNNAMED_KEYS } from './check-signatures.js';
export { MAX_PAYLOAD_BYTES } from './envelope-shape.js';
export type { InvalidKeyReason } from './invalid-key-error.js';
export { InvalidKeyError } from './invalid-key-error.js';
export type { Keyring, KeyringEntry, KeyringEntryInput, KeyStatus, PublicKeyInput } from './keyring.js';
export { createKeyring, MAX_KEYRING_ENTRIES } from './keyring.js';
export type { Ed25519Jwk, KeyFormat, KeyPair, PublicKey } from './keys.js';
export {
  deriveKeyId,
  exportKeyPair,
  exportPublicKey,
  generateKeyPair,
  importKeyPair,
  importPublicKey,
} from './keys.js';
export type { CreateLeafOptions, Leaf, RedactedLeaf } from './leaf.js';
export { createLeaf, createLeafAsync, redactLeaf } from './leaf.js';
export type { LeafProof } from './leaf-proof.js';
export { createLeafProof, verifyLeafProof } from './leaf-proof.js';
export type { Manifest } from './manifest.js';
export { MAX_TTL_SECONDS } from './manifest.js';
export type { NativeCrypto } from './native-crypto.js';
export type { VerifyProducerOptions } from './producer.js';
export { attachProducerSignature, signBlock, verifyProducerSignature } from './producer.js';
export type { ProducerSignature } from './producer-signature.js';
export type { MemoryReplayStoreOptions, ReplayClaim, ReplayOutcome, ReplayStore } from './replay-store.js';
export { checkReplayClaim, createMemoryReplayStore, MAX_NONCE_CHARS } from './replay-store.js';
export type { SignErrorCode } from './sign-error.js';
export { SignError } from './sign-error.js';
export type { Envelope, SignManifestInput } from './sign-manifest.js';
export { MAX_SIGNATURES, signManifest } from './sign-manifest.js';
export type { Signer } from './signer.js';
export { createSigner } from './signer.js';
export type { VerificationErrorCode, VerificationErrorOptions } from './verification-error.js';
export { VerificationError } from './verification-error.js';
export type { VerifiedEnvelope, VerifyEnvelopeInput } from './verify-envelope.js';
export { verifyEnvelope } from './verify-envelope.js';
export type { ResolvedVerifyOptions, VerifyEnvelopeOptions } from './verify-options.js';
export { resolveVerifyOptions } from './verify-options.js';
