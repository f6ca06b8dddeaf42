import { InvalidArgumentError } from '@ctxpack/block';
import type { Analysis } from './analyze-text.js';
import { analyze, toFinding } from './analyze-text.js';
import type { FindingSummary } from './cap-findings.js';
import { capFindings } from './cap-findings.js';
import { EscapeRejectedError } from './escape-rejected-error.js';
import type { Finding } from './finding.js';
import { classOf, isAtLeast } from './finding.js';
import type { OffsetMap } from './offset-map.js';
import { applyEdits } from './offset-map.js';
import { isProvablyClean } from './plain-text.js';
import { planEdits } from './plan-edits.js';
import type { Policy, PolicyActions, PolicyOverrides } from './policy.js';
import { resolveSharedPolicy } from './policy.js';
import type { RescanDetectors } from './rescan-edits.js';
import { rescan } from './rescan-edits.js';
import type { DetectOptions, SanitizeOptions } from './sanitize-options.js';
import { checkLimit } from './sanitize-options.js';
import type { TokenMatcher } from './special-tokens.js';
import { ROLE_LINE_START } from './special-tokens.js';

/** What `sanitize` returns. `text` is the input itself (same reference) when nothing changed. */
export interface SanitizeResult extends FindingSummary {
  text: string;
  /** Findings in order of position; capped at `maxFindings`, most severe first (see `omitted`). */
  findings: Finding[];
  changed: boolean;
}

const MAX_FIXED_POINT_PASSES = 32;
// Fast path: with the heuristics off, text that has no character outside
// printable ASCII (so no suspicious code point and no lookalike), no `<`/`[`
// and no turn label at a line start cannot produce a finding. A non-Unicode
// negated class scans ~5× faster than the equivalent `v`-flag class.
const STRUCTURE_TRIGGER = /[^\t\n\r\x20-\x3b\x3d-\x5a\x5c-\x7e]/;
// Unanchored pre-check: ~6× cheaper than the multiline anchored test on clean text.
const ROLE_WORD = /(?:human|assistant)[ \t]{0,4}:/i;

/** Whether one scan proves that no enabled detector can fire on `text`. */
function isTriviallyClean(text: string, d: DetectOptions, matcher: TokenMatcher): boolean {
  if (matcher.alwaysScan) return false;
  // With the heuristics off, a class test and a role-word test suffice;
  // otherwise one char-code scan (see plain-text.ts).
  if (d.injection === false && d.secrets === false && d.confusables === false) {
    return !STRUCTURE_TRIGGER.test(text) && !(ROLE_WORD.test(text) && ROLE_LINE_START.test(text));
  }
  return isProvablyClean(text);
}

/** Findings of a re-scan, mapped back through every pass to input coordinates. */
function recordRescan(again: Analysis, maps: readonly OffsetMap[], findings: Finding[]): void {
  const add = (f: Finding): void => {
    let s = f.start;
    let e = f.end;
    for (let m = maps.length - 1; m >= 0; m--) {
      s = maps[m]!.toSourceStart(s);
      e = maps[m]!.toSourceEnd(e);
    }
    findings.push({ ...f, start: s, end: e });
  };
  for (const h of again.invisible)
    add({ ...toFinding(h), message: `${h.message}, left without context by an edit` });
  for (const r of again.ranges) add({ ...r.finding, message: `${r.finding.message}, formed by an edit` });
}

/**
 * Re-scans the output around every edit until nothing changes (StruQ filters
 * delimiters "until a fixed point"): any removal or replacement can join
 * fragments into a token or take away the context of a kept mark. With
 * neutralize (the default) the second pass finds nothing in practice:
 * neutralized tokens cannot match again and redaction cannot create a secret.
 * Each pass only looks at windows around the previous pass's edits, so the
 * passes together cost O(edits × margin) on top of the first. Returns the
 * output; findings of later passes are appended to `findings`.
 */
function settle(
  text: string,
  first: OffsetMap,
  policy: Readonly<Policy>,
  matcher: TokenMatcher,
  detect: RescanDetectors,
  findings: Finding[],
): string {
  let out = text;
  const maps: OffsetMap[] = [first];
  for (let pass = 0; pass < MAX_FIXED_POINT_PASSES; pass++) {
    const again = rescan(out, maps[maps.length - 1]!, policy, matcher, detect, false);
    const next = planEdits(out, again, policy.actions);
    if (next.length === 0) return out;
    const applied = applyEdits(out, next);
    recordRescan(again, maps, findings);
    maps.push(applied.map);
    out = applied.text;
  }
  // Only `strip` of nested tokens more than MAX_FIXED_POINT_PASSES deep gets
  // here (each stripped layer can close the next). One whole-text pass that
  // neutralizes instead ends it: a neutralized token cannot match again, and
  // neutralizing changes no letter, so no kept mark loses its context.
  const tokenAction = policy.actions.specialTokens;
  const actions: PolicyActions = {
    ...policy.actions,
    specialTokens: detect.tokens ? 'neutralize' : tokenAction,
  };
  const again = rescan(out, maps[maps.length - 1]!, { ...policy, actions }, matcher, detect, true);
  const applied = applyEdits(out, planEdits(out, again, actions));
  recordRescan(again, maps, findings);
  return applied.text;
}

const NOTHING: FindingSummary = Object.freeze({
  highest: 'none',
  counts: Object.freeze({ high: 0, medium: 0, low: 0 }),
  omitted: Object.freeze({ high: 0, medium: 0, low: 0 }),
  omittedFindings: 0,
}) as FindingSummary;

/** `sanitize` with checked options and a compiled matcher. */
export function runSanitize(text: string, options: SanitizeOptions, matcher: TokenMatcher): SanitizeResult {
  if (typeof text !== 'string')
    throw new InvalidArgumentError({ path: 'text', expected: 'a string', value: text });
  const policy = resolveSharedPolicy(options as PolicyOverrides);
  const maxFindings = checkLimit('maxFindings', options.maxFindings, 1000);
  const maxDecodedChars = checkLimit('maxDecodedChars', options.maxDecodedChars, 4096);
  const d = options.detect ?? {};
  if (isTriviallyClean(text, d, matcher)) {
    return {
      text,
      findings: [],
      changed: false,
      ...NOTHING,
      counts: { ...NOTHING.counts },
      omitted: { ...NOTHING.omitted },
    };
  }
  const a = analyze(text, d, policy, matcher, maxDecodedChars);
  const findings: Finding[] = [];
  for (const h of a.invisible) findings.push(toFinding(h));
  for (const r of a.ranges) findings.push(r.finding);
  for (const f of a.reports) findings.push(f);

  let out = text;
  const edits = planEdits(text, a, policy.actions);
  if (edits.length > 0) {
    const first = applyEdits(text, edits);
    const tokenAction = policy.actions.specialTokens;
    const detect: RescanDetectors = {
      tokens: d.specialTokens !== false && (tokenAction === 'neutralize' || tokenAction === 'strip'),
      secrets: d.secrets !== false && policy.actions.secrets === 'redact',
    };
    out = settle(first.text, first.map, policy, matcher, detect, findings);
  }

  findings.sort((x, y) => x.start - y.start || x.end - y.end);
  const rejected = findings.filter(
    (f) => policy.actions[classOf(f.kind)] === 'reject' && isAtLeast(f.severity, policy.rejectSeverity),
  );
  if (rejected.length > 0) throw new EscapeRejectedError({ findings, rejected });
  const changed = out !== text;
  return { text: changed ? out : text, changed, ...capFindings(findings, maxFindings) };
}
