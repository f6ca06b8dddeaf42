import type { Trust } from '@ctxpack/block';
import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import type { Severity } from './finding.js';
import type { PolicyActions } from './policy.js';
import type { TokenMatcher } from './special-tokens.js';
import { checkExtraTokens, createTokenMatcher } from './special-tokens.js';
import type { TextDetectorSwitches } from './text-detectors.js';

/**
 * Which detectors run; all default to on. Invisible characters are always
 * scanned. `encoded` decodes base64 / hex / URL-encoded / rot13 text and
 * re-scans it for injections (needs `injection`).
 */
export interface DetectOptions extends TextDetectorSwitches {
  specialTokens?: boolean;
}

/** Options of `scan`. */
export interface ScanOptions {
  /** Extra special tokens / delimiters to neutralize (e.g. your own boundary prefix), matched after folding. */
  extraTokens?: readonly string[];
  detect?: DetectOptions;
  /**
   * Findings listed at most (default 1000). Counts and `highest` cover every
   * finding; when capping, the most severe are kept (see `omitted`).
   */
  maxFindings?: number;
  /** Longest `decoded` text kept per finding (default 4096 characters). */
  maxDecodedChars?: number;
  /** Overrides the preset's choice to keep balanced LRI/RLI/FSI…PDI isolates. */
  allowBalancedIsolates?: boolean;
}

/** Options of `sanitize`: scan options plus the policy (trust preset and per-class actions). */
export interface SanitizeOptions extends ScanOptions {
  /** Preset policy: `untrusted` (default, strict), `user` (medium), `trusted` (scan only, text unchanged). */
  trust?: Trust;
  /** Per-class overrides of the preset's actions. */
  actions?: Partial<PolicyActions>;
  /** A `reject` class rejects findings at or above this severity (default `medium`). */
  rejectSeverity?: Severity;
}

/**
 * `options` over `base` (already checked). The shapes that are spread or
 * iterated — `options`, `detect`, `actions`, `extraTokens` — are checked
 * before they are touched (spreading a 20 MB string would build 20 million
 * properties), each read once, and copied one level deep; values are checked
 * where they are used (`resolveSharedPolicy`, `checkLimit`,
 * `createTokenMatcher`).
 */
export function mergeOptions(base: SanitizeOptions, options: unknown): SanitizeOptions {
  if (!isRecord(options))
    throw new InvalidArgumentError({ path: 'options', expected: 'an object', value: options });
  const out: Record<string, unknown> = { ...base, ...options };
  const detect = out['detect'];
  if (detect !== base.detect) {
    if (detect !== undefined && !isRecord(detect)) {
      throw new InvalidArgumentError({ path: 'options.detect', expected: 'an object', value: detect });
    }
    out['detect'] = { ...base.detect, ...detect };
  }
  const actions = out['actions'];
  if (actions !== base.actions && actions !== undefined) {
    if (!isRecord(actions)) {
      throw new InvalidArgumentError({ path: 'options.actions', expected: 'an object', value: actions });
    }
    out['actions'] = { ...actions };
  }
  const extra = out['extraTokens'];
  if (extra !== base.extraTokens && extra !== undefined) out['extraTokens'] = checkExtraTokens(extra);
  return out as SanitizeOptions;
}

const matcherCache = new Map<string, TokenMatcher>();

/** The matcher for per-call `extraTokens`, compiled once per distinct list (32 kept). */
export function cachedMatcher(extra: readonly string[]): TokenMatcher {
  const key = JSON.stringify(extra);
  let m = matcherCache.get(key);
  if (m === undefined) {
    m = createTokenMatcher(extra);
    if (matcherCache.size >= 32) matcherCache.delete(matcherCache.keys().next().value!);
    matcherCache.set(key, m);
  }
  return m;
}

/** A count option (`maxFindings`, `maxDecodedChars`): an integer from 0 to 1,000,000, or the default. */
export function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > 1_000_000) {
    throw new InvalidArgumentError({
      path: `options.${name}`,
      expected: 'an integer from 0 to 1,000,000',
      value,
    });
  }
  return value;
}
