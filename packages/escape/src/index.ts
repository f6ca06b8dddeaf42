export type { FindingSummary, SeverityCounts } from './cap-findings.js';
export { capFindings } from './cap-findings.js';
export { EscapeRejectedError } from './escape-rejected-error.js';
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
export { POLICIES, resolveSanitizePolicy } from './policy.js';
export type { SanitizeResult } from './run-sanitize.js';
export type { DetectOptions, SanitizeOptions, ScanOptions } from './sanitize-options.js';
export type { Sanitizer, ScanResult } from './sanitizer.js';
export { createSanitizer, sanitize, scan } from './sanitizer.js';
export { toSkeleton } from './skeleton.js';
export type { SpecialToken } from './special-tokens.js';
export { neutralizeToken, ROLE_MARKERS, SPECIAL_TOKENS } from './special-tokens.js';
