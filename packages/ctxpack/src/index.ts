export type {
  BlockKind,
  BlockSource,
  ContextBlock,
  ContextBlockInput,
  TruncationStrategy,
  Trust,
} from '@ctxpack/block';
export {
  CtxpackError,
  createBlock,
  InvalidArgumentError,
  InvalidBlockError,
  parseBlock,
} from '@ctxpack/block';
export type { BudgetReport, Tokenizer } from '@ctxpack/budget';
export { BudgetExceededError, BudgetLimitError, createTokenizer, fit } from '@ctxpack/budget';
export type { Finding, SanitizeOptions } from '@ctxpack/escape';
export { EscapeRejectedError, sanitize, scan } from '@ctxpack/escape';
export { digestContent, digestRequest, ProvenanceError } from '@ctxpack/provenance';
export type { RequestFor, SourceMapEntry, SourceRange, Target } from '@ctxpack/serialize';
export {
  countRequestTokens,
  PolicyViolationError,
  SchemaError,
  UnsupportedTargetError,
} from '@ctxpack/serialize';
export type {
  Envelope,
  KeyPair,
  Keyring,
  Leaf,
  Manifest,
  PublicKey,
  ReplayStore,
  Signer,
} from '@ctxpack/sign';
export {
  createKeyring,
  createMemoryReplayStore,
  createSigner,
  generateKeyPair,
  InvalidKeyError,
  importPublicKey,
  SignError,
  VerificationError,
} from '@ctxpack/sign';
export type { AssembleOptions } from './assemble.js';
export type { CheckResponseResult } from './check-response.js';
export { checkResponse, responseText } from './check-response.js';
export type {
  CheckToolCallOptions,
  CheckToolCallResult,
  SinkKind,
  ToolCallPolicy,
} from './check-tool-call.js';
export { checkToolCall } from './check-tool-call.js';
export type { AddOptions, Context, ContextOptions } from './context.js';
export { createContext } from './context.js';
export {
  decodeEnvelopeHeader,
  ENVELOPE_HEADER,
  encodeEnvelopeHeader,
  MAX_ENVELOPE_HEADER_CHARS,
} from './envelope-header.js';
export { formatReport } from './format-report.js';
export type { GuardedFetchOptions } from './guarded-fetch.js';
export { createGuardedFetch } from './guarded-fetch.js';
export type {
  Classify,
  ImportedBlock,
  ImportedMessage,
  ImportedRequest,
  ImportOptions,
  ImportTarget,
  ToolDefinitionFindings,
  ToolDefinitionPins,
  UntrustedTools,
} from './import-request.js';
export { IMPORT_TARGETS, importRequest, MAX_IMPORT_BYTES } from './import-request.js';
export { MAX_PINNED_TOOLS, sanitizeToolDefinitions } from './import-tools.js';
export type { OutputGuard, OutputGuardOptions, OutputTextChannel } from './output-guard.js';
export { createOutputGuard } from './output-guard.js';
export type { AssemblyReport, BlockFinding, BlockReport, Payload } from './payload.js';
export { MAX_PARAMS_CHARS } from './request-params.js';
export { ResponseBlockedError } from './response-blocked-error.js';
export type { ResponseAction, ResponseFinding } from './response-finding.js';
export type { ResponseGuard, ResponseGuardOptions } from './response-guard.js';
export { createResponseGuard } from './response-guard.js';
export type { CheckResponseOptions } from './response-scanner.js';
export { RESPONSE_ACTIONS } from './response-scanner.js';
export { deriveSessionSeed, MIN_SESSION_KEY_BYTES } from './session-seed.js';
export { signRequestBody } from './sign-request-body.js';
export { ToolCallBlockedError } from './tool-call-blocked-error.js';
export type { VerifiedPayload, VerifyPayloadInput, VerifyPayloadOptions } from './verify-payload.js';
export { verifyPayload } from './verify-payload.js';
export type { VerifiedRequest, VerifyRequestOptions } from './verify-request.js';
export { verifyRequest } from './verify-request.js';
