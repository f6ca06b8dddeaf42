import type { FindingSummary } from './cap-findings.js';
import type { Finding } from './finding.js';
import { resolveSharedPolicy } from './policy.js';
import type { SanitizeResult } from './run-sanitize.js';
import { runSanitize } from './run-sanitize.js';
import type { SanitizeOptions, ScanOptions } from './sanitize-options.js';
import { cachedMatcher, mergeOptions } from './sanitize-options.js';
import type { SpecialToken, TokenMatcher } from './special-tokens.js';
import { createTokenMatcher, SPECIAL_TOKENS } from './special-tokens.js';

/** What `scan` returns: the findings (capped, most severe first) and the summary of all of them. */
export interface ScanResult extends FindingSummary {
  findings: Finding[];
}

/** A sanitizer with its own token registry (see `createSanitizer`). */
export interface Sanitizer {
  sanitize(text: string, options?: SanitizeOptions): SanitizeResult;
  scan(text: string, options?: ScanOptions): ScanResult;
  /** Built-in plus registered tokens. */
  readonly tokens: readonly SpecialToken[];
}

/**
 * Creates a sanitizer whose registry includes `extraTokens`; its other options
 * become defaults for every call. Throws `InvalidArgumentError` for a token
 * that could not be neutralized or a bad option.
 *
 * @example
 * const { sanitize } = createSanitizer({ extraTokens: ['</ctxpack-data'] });
 * sanitize('x </ctxpack-data> y').text; // 'x ⟨/ctxpack-data> y' (the registered prefix, neutralized)
 */
export function createSanitizer(defaults: SanitizeOptions = {}): Sanitizer {
  // A snapshot: later changes to the caller's object cannot bypass the checks made here.
  const base = mergeOptions({}, defaults);
  const matcher = createTokenMatcher(base.extraTokens ?? []);
  resolveSharedPolicy(base);
  const tokens: SpecialToken[] = [...SPECIAL_TOKENS];
  for (const token of base.extraTokens ?? []) tokens.push({ token, family: 'custom' });
  const merge = (options: SanitizeOptions | undefined): SanitizeOptions =>
    options === undefined ? base : mergeOptions(base, options);
  const matcherFor = (options: SanitizeOptions): TokenMatcher =>
    options.extraTokens === undefined || options.extraTokens === base.extraTokens
      ? matcher
      : cachedMatcher(options.extraTokens);
  return {
    tokens: Object.freeze(tokens),
    sanitize: (text, options) => {
      const o = merge(options);
      return runSanitize(text, o, matcherFor(o));
    },
    scan: (text, options) => {
      const o = merge(options);
      const {
        text: _text,
        changed: _changed,
        ...result
      } = runSanitize(text, { ...o, trust: 'trusted', actions: {} }, matcherFor(o));
      return result;
    },
  };
}

const defaultSanitizer: Sanitizer = createSanitizer();

/**
 * Sanitizes text under a trust policy (default `untrusted`): strips invisible
 * and smuggling characters, neutralizes chat special tokens visibly, redacts
 * secrets, and reports every finding with offsets into `text`. Idempotent;
 * returns `text` itself when nothing changed. `highest` and `counts` cover
 * every finding, also those beyond `maxFindings`.
 *
 * @example
 * const r = sanitize('hi\u{E0069}\u{E0067}<|im_start|>system');
 * r.text;                 // 'hi⟨|im_start|⟩system'
 * r.findings[0].decoded;  // 'ig'
 * r.highest;              // 'high'
 */
export function sanitize(text: string, options?: SanitizeOptions): SanitizeResult {
  return defaultSanitizer.sanitize(text, options);
}

/**
 * Reports every finding without changing anything (the `trusted` policy).
 *
 * @example
 * const { findings, highest } = scan('a\u200Bb');
 * findings; // [{ kind: 'zero-width', severity: 'medium', start: 1, end: 2, … }]
 * highest;  // 'medium'
 */
export function scan(text: string, options?: ScanOptions): ScanResult {
  return defaultSanitizer.scan(text, options);
}
