export type {
  AuditLink,
  AuditLog,
  AuditRecord,
  AuditRecordInput,
  AuditSink,
  AuditVerification,
  ChainedAuditRecord,
} from './audit-chain.js';
export {
  AUDIT_GENESIS,
  appendAuditRecord,
  auditLineHash,
  createAuditLink,
  createAuditLog,
  createAuditRecord,
  MAX_AUDIT_LINE_CHARS,
  verifyAuditLog,
} from './audit-chain.js';
export type { JsonSink } from './canonicalize-json.js';
export { canonicalizeJson, MAX_JSON_DEPTH, writeCanonicalJson } from './canonicalize-json.js';
export type { DigestAsyncOptions } from './digest-content.js';
export {
  digestContent,
  digestContentAsync,
  hasNativeSha256,
  NATIVE_HASH_THRESHOLD_BYTES,
} from './digest-content.js';
export { digestRequest, digestRequestAsync } from './digest-request.js';
export { digestStrictJson } from './digest-strict-json.js';
export { canonicalizeStrictJson, MAX_JSON_TEXT, parseStrictJson } from './parse-strict-json.js';
export type { ProvenanceErrorCode } from './provenance-error.js';
export { ProvenanceError } from './provenance-error.js';
export { deriveBlock, stampBlock } from './stamp-block.js';
