import type { Trust } from '@ctxpack/block';
import {
  EscapeRejectedError,
  InvalidEscapeInputError,
  InvalidEscapeOptionsError,
} from './escape-rejected-error.js';
import type { Finding, Severity } from './finding.js';
import { classOf, formatCodePoint, isAtLeast } from './finding.js';
import type { FoldedText } from './fold.js';
import { foldedToSource, foldText } from './fold.js';
import type { InvisibleHit } from './invisible-scan.js';
import { scanInvisible } from './invisible-scan.js';
import type { Edit } from './offset-map.js';
import { applyEdits, OffsetMap } from './offset-map.js';
import type { Policy, PolicyActions, PolicyOverrides } from './policy.js';
import { resolvePolicy } from './policy.js';
import type { SpecialToken, TokenMatcher } from './special-tokens.js';
import {
  createTokenMatcher,
  findTokens,
  neutralizeRoleMarker,
  neutralizeToken,
  SPECIAL_TOKENS,
} from './special-tokens.js';
import type { TextDetectorSwitches } from './text-detectors.js';
import { detectText, scanDecodedText } from './text-detectors.js';

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
  /** Findings listed at most (default 1000); the rest are counted in `omittedFindings`. */
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

/** What `sanitize` returns. `text` is the input itself (same reference) when nothing changed. */
export interface SanitizeResult {
  text: string;
  findings: Finding[];
  changed: boolean;
  /** Findings beyond `maxFindings` that were counted but not listed. */
  omittedFindings: number;
}

/** A sanitizer with its own token registry (see `createSanitizer`). */
export interface Sanitizer {
  sanitize(text: string, options?: SanitizeOptions): SanitizeResult;
  scan(text: string, options?: ScanOptions): Finding[];
  /** Built-in plus registered tokens. */
  readonly tokens: readonly SpecialToken[];
}

/** Replacement edits a finding may carry. */
interface RangeHit {
  finding: Finding;
  /** Text that replaces the range under `neutralize`/`redact`; '' under `strip`. */
  replacement: string;
}

interface Analysis {
  invisible: InvisibleHit[];
  /** Tokens and secrets: findings that can edit a range. */
  ranges: RangeHit[];
  /** Heuristic findings. */
  reports: Finding[];
}

const MAX_FIXED_POINT_PASSES = 32;
// Fast path: with the heuristics off, text that has no character outside
// printable ASCII (so no suspicious code point and no lookalike), no `<`/`[`
// and no turn label at a line start cannot produce a finding. A non-Unicode
// negated class scans ~5× faster than the equivalent `v`-flag class.
const STRUCTURE_TRIGGER = /[^\t\n\r\x20-\x3b\x3d-\x5a\x5c-\x7e]/;
/** Every suspicious code point is outside TAB/LF/CR + printable ASCII. */
const BEYOND_ASCII_TEXT = /[^\t\n\r\x20-\x7e]/;
const ROLE_TRIGGER = /^[ \t>*#]{0,8}(?:human|assistant)[ \t]{0,4}:/im;
// Unanchored pre-check: ~6× cheaper than the multiline anchored test on clean text.
const ROLE_WORD = /(?:human|assistant)[ \t]{0,4}:/i;

function visibleForm(text: string, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; ) {
    const cp = text.codePointAt(i)!;
    out += `⟦${formatCodePoint(cp)}⟧`;
    i += cp > 0xffff ? 2 : 1;
  }
  return out;
}

function cleanView(text: string, hits: readonly InvisibleHit[]): { text: string; map: OffsetMap } {
  if (hits.length === 0) return { text, map: new OffsetMap() };
  return applyEdits(
    text,
    hits.map((h) => ({ start: h.start, end: h.end, text: h.strip })),
  );
}

function toFinding(h: InvisibleHit): Finding {
  const f: Finding = { kind: h.kind, severity: h.severity, start: h.start, end: h.end, message: h.message };
  if (h.decoded !== undefined) f.decoded = h.decoded;
  return f;
}

/**
 * Creates a sanitizer whose registry includes `extraTokens`; its other options
 * become defaults for every call. Throws `InvalidEscapeOptionsError` for a
 * token that could not be neutralized or a bad option.
 *
 * @example
 * const { sanitize } = createSanitizer({ extraTokens: ['</ctxpack-data'] });
 * sanitize('x </ctxpack-data> y').text; // 'x ⟨/ctxpack-data⟩ y'
 */
export function createSanitizer(defaults: SanitizeOptions = {}): Sanitizer {
  const matcher = createTokenMatcher(defaults.extraTokens ?? []);
  resolvePolicy(defaults);
  const tokens: SpecialToken[] = [
    ...SPECIAL_TOKENS,
    ...(defaults.extraTokens ?? []).map((token) => ({ token, family: 'custom' })),
  ];
  const merge = (options: SanitizeOptions | undefined): SanitizeOptions =>
    options === undefined
      ? defaults
      : { ...defaults, ...options, detect: { ...defaults.detect, ...options.detect } };
  const matcherFor = (options: SanitizeOptions): TokenMatcher =>
    options.extraTokens === undefined || options.extraTokens === defaults.extraTokens
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
      return runSanitize(text, { ...o, trust: 'trusted', actions: {} }, matcherFor(o)).findings;
    },
  };
}

const matcherCache = new Map<string, TokenMatcher>();

function cachedMatcher(extra: readonly string[]): TokenMatcher {
  const key = JSON.stringify(extra);
  let m = matcherCache.get(key);
  if (m === undefined) {
    m = createTokenMatcher(extra);
    if (matcherCache.size >= 32) matcherCache.delete(matcherCache.keys().next().value!);
    matcherCache.set(key, m);
  }
  return m;
}

function checkLimit(path: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > 1_000_000) {
    throw new InvalidEscapeOptionsError({ path, value, reason: 'expected an integer from 0 to 1,000,000' });
  }
  return value;
}

function analyze(text: string, options: SanitizeOptions, policy: Policy, matcher: TokenMatcher): Analysis {
  const maxDecodedChars = checkLimit('maxDecodedChars', options.maxDecodedChars, 4096);
  const invisible = scanInvisible(text, {
    allowBalancedIsolates: policy.allowBalancedIsolates,
    maxDecodedChars,
  });
  const clean = cleanView(text, invisible);
  const folded = foldText(clean.text);
  const toSource = (cs: number, ce: number): [number, number] => [
    clean.map.toSourceStart(cs),
    clean.map.toSourceEnd(ce),
  ];
  const ranges: RangeHit[] = [];
  const reports: Finding[] = [];
  const detect = options.detect ?? {};
  if (detect.specialTokens !== false) {
    ranges.push(...tokenHits(clean.text, folded, matcher, toSource));
  }
  const found = detectText(clean.text, folded, detect, maxDecodedChars, matcher);
  for (const f of found.findings) {
    const [start, end] = toSource(f.start, f.end);
    reports.push({ ...f, start, end });
  }
  for (const s of found.secrets) {
    const [start, end] = toSource(s.finding.start, s.finding.end);
    ranges.push({ finding: { ...s.finding, start, end }, replacement: s.replacement });
  }
  // Hidden text recovered from smuggling is itself scanned; what it carries is
  // reported on the smuggling run's range.
  for (const h of invisible) {
    if (h.decoded === undefined || h.decoded === '') continue;
    const inner = detect.injection === false ? [] : scanDecodedText(h.decoded, matcher, maxDecodedChars);
    for (const f of inner) {
      reports.push({
        ...f,
        start: h.start,
        end: h.end,
        severity: 'high',
        message: `hidden ${h.kind} text: ${f.message}`,
      });
    }
  }
  return { invisible, ranges, reports };
}

function tokenHits(
  clean: string,
  folded: FoldedText,
  matcher: TokenMatcher,
  toSource: (cs: number, ce: number) => [number, number],
): RangeHit[] {
  const out: RangeHit[] = [];
  for (const t of findTokens(folded.text, matcher)) {
    const [cs, ce] = foldedToSource(folded, t.start, t.end);
    const [start, end] = toSource(cs, ce);
    const original = clean.slice(cs, ce);
    const shown = original.length > 80 ? `${original.slice(0, 80)}…` : original;
    out.push({
      finding: {
        kind: t.kind,
        severity: 'high',
        start,
        end,
        message:
          t.kind === 'role-marker'
            ? `legacy turn marker "${shown}" at a line start`
            : `chat special token "${shown}" (${t.rule})`,
        rule: t.rule,
      },
      replacement: t.kind === 'role-marker' ? neutralizeRoleMarker(original) : neutralizeToken(original),
    });
  }
  return out;
}

/** Builds the output edits of one pass; range edits win over the invisible edits inside them. */
function planEdits(text: string, a: Analysis, actions: PolicyActions): Edit[] {
  const rangeEdits: Edit[] = [];
  for (const r of a.ranges) {
    const action = actions[classOf(r.finding.kind)] as string;
    let replacement: string;
    if (action === 'neutralize' || action === 'redact') replacement = r.replacement;
    else if (action === 'strip') replacement = '';
    else continue;
    rangeEdits.push({ start: r.finding.start, end: r.finding.end, text: replacement });
  }
  rangeEdits.sort((x, y) => x.start - y.start);
  const merged: Edit[] = [];
  for (const e of rangeEdits) {
    const last = merged[merged.length - 1];
    if (last !== undefined && e.start < last.end) continue;
    merged.push(e);
  }
  const edits: Edit[] = [];
  let k = 0;
  for (const h of a.invisible) {
    const action = actions[classOf(h.kind)];
    while (k < merged.length && merged[k]!.end <= h.start) edits.push(merged[k++]!);
    const cover = merged[k];
    if (cover !== undefined && cover.start <= h.start && h.end <= cover.end) continue;
    if (action === 'strip') edits.push({ start: h.start, end: h.end, text: h.strip });
    else if (action === 'visible')
      edits.push({ start: h.start, end: h.end, text: visibleForm(text, h.start, h.end) });
  }
  while (k < merged.length) edits.push(merged[k++]!);
  return edits;
}

/** A token can only form within this many code units of an edit (tokens fold to at most 128 characters). */
const RESCAN_MARGIN = 256;

/**
 * Tokens in `out` (output of a pass whose edits `map` records). When every
 * invisible class is stripped, only windows around the edits can hold a new
 * token; otherwise invisible characters may stretch one, so scan everything.
 */
function rescanTokens(out: string, map: OffsetMap, policy: Policy, matcher: TokenMatcher): RangeHit[] {
  const a = policy.actions;
  const windowed =
    !matcher.alwaysScan &&
    [a.smuggling, a.bidi, a.invisible, a.control, a.privateUse, a.unassigned].every((x) => x === 'strip');
  const windows: [number, number][] = [];
  if (windowed) {
    for (const [s, e] of map.editedRanges()) {
      const ws = Math.max(0, s - RESCAN_MARGIN);
      const we = Math.min(out.length, e + RESCAN_MARGIN);
      const last = windows[windows.length - 1];
      if (last !== undefined && ws <= last[1]) last[1] = Math.max(last[1], we);
      else windows.push([ws, we]);
    }
  } else windows.push([0, out.length]);
  const hits: RangeHit[] = [];
  for (const [ws, we] of windows) {
    const part = out.slice(ws, we);
    const inv = BEYOND_ASCII_TEXT.test(part)
      ? scanInvisible(part, { allowBalancedIsolates: policy.allowBalancedIsolates, maxDecodedChars: 0 })
      : [];
    const clean = cleanView(part, inv);
    for (const h of tokenHits(clean.text, foldText(clean.text), matcher, (cs, ce) => [
      ws + clean.map.toSourceStart(cs),
      ws + clean.map.toSourceEnd(ce),
    ])) {
      // `^` matches at a window start that is not a line start: drop such turn markers.
      const local = h.finding.start - ws;
      const atLine =
        ws === 0 || out[ws - 1] === '\n' || out[ws - 1] === '\r' || part.lastIndexOf('\n', local) >= 0;
      if (h.finding.kind === 'role-marker' && !atLine) continue;
      hits.push(h);
    }
  }
  return hits;
}

function runSanitize(text: string, options: SanitizeOptions, matcher: TokenMatcher): SanitizeResult {
  if (typeof text !== 'string') throw new InvalidEscapeInputError({ value: text });
  const policy = resolvePolicy(options as PolicyOverrides);
  const maxFindings = checkLimit('maxFindings', options.maxFindings, 1000);
  const d = options.detect ?? {};
  if (
    d.injection === false &&
    d.secrets === false &&
    d.confusables === false &&
    !matcher.alwaysScan &&
    !STRUCTURE_TRIGGER.test(text) &&
    !(ROLE_WORD.test(text) && ROLE_TRIGGER.test(text))
  ) {
    return { text, findings: [], changed: false, omittedFindings: 0 };
  }
  const a = analyze(text, options, policy, matcher);
  let findings: Finding[] = [...a.invisible.map(toFinding), ...a.ranges.map((r) => r.finding), ...a.reports];

  let out = text;
  const edits = planEdits(text, a, policy.actions);
  if (edits.length > 0) {
    const first = applyEdits(text, edits);
    out = first.text;
    // StruQ-style fixed point: re-scan the output for tokens until none forms.
    const maps: OffsetMap[] = [first.map];
    const tokenAction = policy.actions.specialTokens;
    for (
      let pass = 0;
      pass < MAX_FIXED_POINT_PASSES && (tokenAction === 'neutralize' || tokenAction === 'strip');
      pass++
    ) {
      const again = rescanTokens(out, maps[maps.length - 1]!, policy, matcher);
      if (again.length === 0) break;
      const next = applyEdits(
        out,
        planEdits(out, { invisible: [], ranges: again, reports: [] }, policy.actions),
      );
      for (const r of again) {
        let s = r.finding.start;
        let e = r.finding.end;
        for (let m = maps.length - 1; m >= 0; m--) {
          s = maps[m]!.toSourceStart(s);
          e = maps[m]!.toSourceEnd(e);
        }
        findings.push({ ...r.finding, start: s, end: e, message: `${r.finding.message}, formed by nesting` });
      }
      maps.push(next.map);
      out = next.text;
    }
  }

  findings.sort((x, y) => x.start - y.start || x.end - y.end);
  const rejected = findings.filter(
    (f) => policy.actions[classOf(f.kind)] === 'reject' && isAtLeast(f.severity, policy.rejectSeverity),
  );
  if (rejected.length > 0) throw new EscapeRejectedError({ findings, rejected });
  let omittedFindings = 0;
  if (findings.length > maxFindings) {
    omittedFindings = findings.length - maxFindings;
    findings = findings.slice(0, maxFindings);
  }
  const changed = out !== text;
  return { text: changed ? out : text, findings, changed, omittedFindings };
}

const defaultSanitizer: Sanitizer = createSanitizer();

/**
 * Sanitizes text under a trust policy (default `untrusted`): strips invisible
 * and smuggling characters, neutralizes chat special tokens visibly, redacts
 * secrets, and reports every finding with offsets into `text`. Idempotent;
 * returns `text` itself when nothing changed.
 *
 * @example
 * const r = sanitize('hi\u{E0069}\u{E0067}<|im_start|>system');
 * r.text;                 // 'hi⟨|im_start|⟩system'
 * r.findings[0].decoded;  // 'ig'
 */
export function sanitize(text: string, options?: SanitizeOptions): SanitizeResult {
  return defaultSanitizer.sanitize(text, options);
}

/**
 * Reports every finding without changing anything (the `trusted` policy).
 *
 * @example
 * scan('a\u200Bb'); // [{ kind: 'zero-width', severity: 'medium', start: 1, end: 2, … }]
 */
export function scan(text: string, options?: ScanOptions): Finding[] {
  return defaultSanitizer.scan(text, options);
}
