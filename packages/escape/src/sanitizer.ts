import type { Trust } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block';
import {
  EscapeRejectedError,
  InvalidEscapeInputError,
  InvalidEscapeOptionsError,
} from './escape-rejected-error.js';
import type { Finding, Severity } from './finding.js';
import { classOf, formatCodePoint, isAtLeast } from './finding.js';
import type { FoldedText } from './fold.js';
import { foldedToSource, foldText } from './fold.js';
import { createNeedleFinder } from './injection-rules.js';
import type { InvisibleHit } from './invisible-scan.js';
import { scanInvisible } from './invisible-scan.js';
import type { Edit } from './offset-map.js';
import { applyEdits, OffsetMap } from './offset-map.js';
import { isProvablyClean } from './plain-text.js';
import type { Policy, PolicyActions, PolicyOverrides } from './policy.js';
import { resolveSharedPolicy } from './policy.js';
import { detectSecrets, SECRET_NEEDLES } from './secrets.js';
import type { SpecialToken, TokenMatcher } from './special-tokens.js';
import {
  checkExtraTokens,
  createTokenMatcher,
  findTokens,
  neutralizeDelimiters,
  neutralizeMatched,
  neutralizeRoleMarker,
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
  /** The text it was detected in (invisible characters removed) and its range there, to compose overlapping edits. */
  view: string;
  viewStart: number;
  viewEnd: number;
}

interface Analysis {
  invisible: InvisibleHit[];
  /** Tokens and secrets: findings that can edit a range. */
  ranges: RangeHit[];
  /** Heuristic findings. */
  reports: Finding[];
}

const MAX_FIXED_POINT_PASSES = 32;
const findSecretNeedles = createNeedleFinder(SECRET_NEEDLES);
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
 * sanitize('x </ctxpack-data> y').text; // 'x ⟨/ctxpack-data> y' (the registered prefix, neutralized)
 */
export function createSanitizer(defaults: SanitizeOptions = {}): Sanitizer {
  // A snapshot: later changes to the caller's object cannot bypass the checks made here.
  const base = mergeOptions({}, defaults);
  const matcher = createTokenMatcher(base.extraTokens ?? []);
  resolveSharedPolicy(base);
  const tokens: SpecialToken[] = [
    ...SPECIAL_TOKENS,
    ...(base.extraTokens ?? []).map((token) => ({ token, family: 'custom' })),
  ];
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
      return runSanitize(text, { ...o, trust: 'trusted', actions: {} }, matcherFor(o)).findings;
    },
  };
}

/**
 * `options` over `base` (already checked). The shapes that are spread or
 * iterated — `options`, `detect`, `actions`, `extraTokens` — are checked
 * before they are touched (spreading a 20 MB string would build 20 million
 * properties), each read once, and copied one level deep; values are checked
 * where they are used (`resolveSharedPolicy`, `checkLimit`,
 * `createTokenMatcher`).
 */
function mergeOptions(base: SanitizeOptions, options: unknown): SanitizeOptions {
  if (!isRecord(options)) {
    throw new InvalidEscapeOptionsError({ path: 'options', value: options, reason: 'expected an object' });
  }
  const out: Record<string, unknown> = { ...base, ...options };
  const detect = out['detect'];
  if (detect !== base.detect) {
    if (detect !== undefined && !isRecord(detect)) {
      throw new InvalidEscapeOptionsError({ path: 'detect', value: detect, reason: 'expected an object' });
    }
    out['detect'] = { ...base.detect, ...detect };
  }
  const actions = out['actions'];
  if (actions !== base.actions && actions !== undefined) {
    if (!isRecord(actions)) {
      throw new InvalidEscapeOptionsError({ path: 'actions', value: actions, reason: 'expected an object' });
    }
    out['actions'] = { ...actions };
  }
  const extra = out['extraTokens'];
  if (extra !== base.extraTokens && extra !== undefined) out['extraTokens'] = checkExtraTokens(extra);
  return out as SanitizeOptions;
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
    ranges.push({
      finding: { ...s.finding, start, end },
      replacement: s.replacement,
      view: clean.text,
      viewStart: s.finding.start,
      viewEnd: s.finding.end,
    });
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
      replacement: t.kind === 'role-marker' ? neutralizeRoleMarker(original) : neutralizeMatched(original),
      view: clean,
      viewStart: cs,
      viewEnd: ce,
    });
  }
  return out;
}

/** The action a range finding's class takes, or undefined when it does not edit text. */
function editAction(r: RangeHit, actions: PolicyActions): 'neutralize' | 'redact' | 'strip' | undefined {
  const action = actions[classOf(r.finding.kind)] as string;
  return action === 'neutralize' || action === 'redact' || action === 'strip' ? action : undefined;
}

/**
 * One replacement for a group of overlapping range edits (e.g. a secret inside
 * a special token). Dropping one of them, as a first-wins merge would, leaves
 * it for the next `sanitize` to find: not idempotent. Instead secrets are
 * redacted (overlapping secrets as one), and the rest of the group is
 * neutralized (or stripped) character-wise.
 */
function composeReplacement(group: readonly RangeHit[], actions: PolicyActions): string {
  const only = group[0]!;
  if (group.length === 1) return editAction(only, actions) === 'strip' ? '' : only.replacement;
  if (group.some((r) => r.view !== only.view)) return only.replacement;
  const byView = [...group].sort((x, y) => x.viewStart - y.viewStart);
  const secrets: { start: number; end: number; text: string }[] = [];
  for (const r of byView) {
    if (classOf(r.finding.kind) !== 'secrets') continue;
    const last = secrets[secrets.length - 1];
    if (last !== undefined && r.viewStart < last.end) last.end = Math.max(last.end, r.viewEnd);
    else secrets.push({ start: r.viewStart, end: r.viewEnd, text: r.replacement });
  }
  const others = byView.filter((r) => classOf(r.finding.kind) !== 'secrets');
  let out = '';
  const gap = (s: number, e: number): void => {
    if (s >= e) return;
    const exact = others.find((r) => r.viewStart === s && r.viewEnd === e);
    if (exact !== undefined) {
      out += editAction(exact, actions) === 'strip' ? '' : exact.replacement;
      return;
    }
    const strip = others.some((r) => r.viewStart < e && r.viewEnd > s && editAction(r, actions) === 'strip');
    out += strip ? '' : neutralizeDelimiters(only.view.slice(s, e));
  };
  let p = byView[0]!.viewStart;
  for (const seg of secrets) {
    gap(p, seg.start);
    out += seg.text;
    p = Math.max(p, seg.end);
  }
  gap(p, Math.max(...byView.map((r) => r.viewEnd)));
  return out;
}

/** Builds the output edits of one pass; range edits win over the invisible edits inside them. */
function planEdits(text: string, a: Analysis, actions: PolicyActions): Edit[] {
  const active = a.ranges
    .filter((r) => editAction(r, actions) !== undefined)
    .sort((x, y) => x.finding.start - y.finding.start || y.finding.end - x.finding.end);
  const merged: Edit[] = [];
  for (let k = 0; k < active.length; ) {
    const group = [active[k]!];
    let end = active[k]!.finding.end;
    for (k++; k < active.length && active[k]!.finding.start < end; k++) {
      group.push(active[k]!);
      end = Math.max(end, active[k]!.finding.end);
    }
    merged.push({ start: group[0]!.finding.start, end, text: composeReplacement(group, actions) });
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

/**
 * What a replacement can change lies within this many code units of it: a
 * token folds to at most 128 characters (so a new one overlaps the edit and
 * starts or ends within 128 units of it, less than 256 code units even with
 * surrogate pairs), and an invisible character's verdict looks at most 40
 * units back (RGI emoji) and 16 code points either way (RTL context).
 */
const RESCAN_MARGIN = 256;

/** Merged windows of `RESCAN_MARGIN` around the edited output ranges, not splitting surrogate pairs. */
function editWindows(out: string, map: OffsetMap): [number, number][] {
  const windows: [number, number][] = [];
  for (const [s, e] of map.editedRanges()) {
    let ws = Math.max(0, s - RESCAN_MARGIN);
    let we = Math.min(out.length, e + RESCAN_MARGIN);
    if (ws > 0 && isLowSurrogate(out.charCodeAt(ws)) && isHighSurrogate(out.charCodeAt(ws - 1))) ws--;
    if (we < out.length && isLowSurrogate(out.charCodeAt(we)) && isHighSurrogate(out.charCodeAt(we - 1)))
      we++;
    const last = windows[windows.length - 1];
    if (last !== undefined && ws <= last[1]) last[1] = Math.max(last[1], we);
    else windows.push([ws, we]);
  }
  return windows;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Re-runs the editing detectors that an edit can re-trigger — invisible
 * characters (a replacement can take away the context that licensed a mark)
 * and special tokens / turn markers (a removal can join fragments) — on the
 * output of a pass. When every invisible class is stripped, only windows
 * around the edits can change; otherwise (invisible characters left in place
 * may stretch a token) the whole text is scanned, secrets included: a
 * character made visible (`⟦U+2069⟧`) rather than removed can end a word where
 * the first pass saw none. When everything is stripped, secrets need no
 * re-scan: the output is the clean view the first pass matched, redaction
 * markers are masked from secret matching and capped matches extend to the end
 * of their run, so no edit can create one (see secrets.ts).
 */
function rescan(
  out: string,
  map: OffsetMap,
  policy: Policy,
  matcher: TokenMatcher,
  detect: { tokens: boolean; secrets: boolean },
  whole: boolean,
): Analysis {
  const a = policy.actions;
  const windowed =
    !whole &&
    !matcher.alwaysScan &&
    [a.smuggling, a.bidi, a.invisible, a.control, a.privateUse, a.unassigned].every((x) => x === 'strip');
  const windows = windowed ? editWindows(out, map) : [[0, out.length] as [number, number]];
  const beyondAscii = windows.filter(([ws, we]) => BEYOND_ASCII_TEXT.test(out.slice(ws, we)));
  const invisible =
    beyondAscii.length === 0
      ? []
      : scanInvisible(out, {
          allowBalancedIsolates: policy.allowBalancedIsolates,
          maxDecodedChars: 0,
          windows: beyondAscii,
        });
  const ranges: RangeHit[] = [];
  let h = 0;
  const secrets = detect.secrets && !windowed;
  for (const [ws, we] of detect.tokens || secrets ? windows : []) {
    while (h < invisible.length && invisible[h]!.end <= ws) h++;
    const local: InvisibleHit[] = [];
    for (let j = h; j < invisible.length && invisible[j]!.start < we; j++) {
      const hit = invisible[j]!;
      if (hit.start >= ws && hit.end <= we) local.push({ ...hit, start: hit.start - ws, end: hit.end - ws });
    }
    const part = out.slice(ws, we);
    const clean = cleanView(part, local);
    const folded = foldText(clean.text);
    const toOut = (cs: number, ce: number): [number, number] => [
      ws + clean.map.toSourceStart(cs),
      ws + clean.map.toSourceEnd(ce),
    ];
    if (secrets) {
      for (const hit of detectSecrets(clean.text, findSecretNeedles(folded.text))) {
        const [start, end] = toOut(hit.finding.start, hit.finding.end);
        ranges.push({
          finding: { ...hit.finding, start, end },
          replacement: hit.replacement,
          view: clean.text,
          viewStart: hit.finding.start,
          viewEnd: hit.finding.end,
        });
      }
    }
    for (const t of detect.tokens ? tokenHits(clean.text, folded, matcher, toOut) : []) {
      // `^` matches at a window start that is not a line start: drop such turn markers.
      const at = t.finding.start - ws;
      const atLine =
        ws === 0 || out[ws - 1] === '\n' || out[ws - 1] === '\r' || part.lastIndexOf('\n', at) >= 0;
      if (t.finding.kind === 'role-marker' && !atLine) continue;
      ranges.push(t);
    }
  }
  const editing = invisible.filter((x) => {
    const action = a[classOf(x.kind)];
    return action === 'strip' || action === 'visible';
  });
  return { invisible: editing, ranges, reports: [] };
}

function runSanitize(text: string, options: SanitizeOptions, matcher: TokenMatcher): SanitizeResult {
  if (typeof text !== 'string') throw new InvalidEscapeInputError({ value: text });
  const policy = resolveSharedPolicy(options as PolicyOverrides);
  const maxFindings = checkLimit('maxFindings', options.maxFindings, 1000);
  checkLimit('maxDecodedChars', options.maxDecodedChars, 4096);
  const d = options.detect ?? {};
  if (!matcher.alwaysScan) {
    const heuristicsOff = d.injection === false && d.secrets === false && d.confusables === false;
    // Fast paths: return the input itself when a single scan proves that no
    // detector can fire. With the heuristics off, a class test and a role-word
    // test suffice; otherwise one char-code scan (see plain-text.ts).
    const clean = heuristicsOff
      ? !STRUCTURE_TRIGGER.test(text) && !(ROLE_WORD.test(text) && ROLE_TRIGGER.test(text))
      : isProvablyClean(text);
    if (clean) return { text, findings: [], changed: false, omittedFindings: 0 };
  }
  const a = analyze(text, options, policy, matcher);
  let findings: Finding[] = [...a.invisible.map(toFinding), ...a.ranges.map((r) => r.finding), ...a.reports];

  let out = text;
  const edits = planEdits(text, a, policy.actions);
  if (edits.length > 0) {
    const first = applyEdits(text, edits);
    out = first.text;
    const maps: OffsetMap[] = [first.map];
    const record = (again: Analysis): void => {
      const found = [
        ...again.invisible.map((h) => ({
          ...toFinding(h),
          message: `${h.message}, left without context by an edit`,
        })),
        ...again.ranges.map((r) => ({ ...r.finding, message: `${r.finding.message}, formed by an edit` })),
      ];
      for (const f of found) {
        let s = f.start;
        let e = f.end;
        for (let m = maps.length - 1; m >= 0; m--) {
          s = maps[m]!.toSourceStart(s);
          e = maps[m]!.toSourceEnd(e);
        }
        findings.push({ ...f, start: s, end: e });
      }
    };
    // Fixed point over the whole pipeline (StruQ filters delimiters "until a
    // fixed point"): any removal or replacement can join fragments into a token
    // or take away the context of a kept mark, so the output is re-scanned
    // around every edit until nothing changes. With neutralize (the default)
    // the second pass finds nothing in practice: neutralized tokens cannot
    // match again and redaction cannot create a secret. Each pass only looks
    // at windows around the previous pass's edits, so the passes together cost
    // O(edits × RESCAN_MARGIN) on top of the first.
    const tokenAction = policy.actions.specialTokens;
    const tokens = d.specialTokens !== false && (tokenAction === 'neutralize' || tokenAction === 'strip');
    const secrets = d.secrets !== false && policy.actions.secrets === 'redact';
    let settled = false;
    for (let pass = 0; pass < MAX_FIXED_POINT_PASSES && !settled; pass++) {
      const again = rescan(out, maps[maps.length - 1]!, policy, matcher, { tokens, secrets }, false);
      const next = planEdits(out, again, policy.actions);
      if (next.length === 0) settled = true;
      else {
        const applied = applyEdits(out, next);
        record(again);
        maps.push(applied.map);
        out = applied.text;
      }
    }
    if (!settled) {
      // Only `strip` of nested tokens more than MAX_FIXED_POINT_PASSES deep gets
      // here (each stripped layer can close the next). One whole-text pass that
      // neutralizes instead ends it: a neutralized token cannot match again, and
      // neutralizing changes no letter, so no kept mark loses its context.
      const actions: PolicyActions = {
        ...policy.actions,
        specialTokens: tokens ? 'neutralize' : tokenAction,
      };
      const again = rescan(
        out,
        maps[maps.length - 1]!,
        { ...policy, actions },
        matcher,
        { tokens, secrets },
        true,
      );
      const applied = applyEdits(out, planEdits(out, again, actions));
      record(again);
      maps.push(applied.map);
      out = applied.text;
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
