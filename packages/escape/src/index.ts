export {
  EscapeRejectedError,
  InvalidEscapeInputError,
  InvalidEscapeOptionsError,
} from './escape-rejected-error.js';
export type { Finding, FindingClass, Severity } from './finding.js';
export { FINDING_KINDS } from './finding.js';
export type {
  CharacterAction,
  Policy,
  PolicyActions,
  ReportAction,
  SecretAction,
  TokenAction,
} from './policy.js';
export { POLICIES, resolvePolicy } from './policy.js';
export type { DetectOptions, SanitizeOptions, SanitizeResult, Sanitizer, ScanOptions } from './sanitizer.js';
export { createSanitizer, sanitize, scan } from './sanitizer.js';
export { decodeSneakyBits, decodeTagCharacters, decodeVariationSelectors } from './smuggling-decoders.js';
export type { SpecialToken } from './special-tokens.js';
export { neutralizeToken, ROLE_MARKERS, SPECIAL_TOKENS } from './special-tokens.js';
