import { appendAll } from './append-all.js';
import type { Finding } from './finding.js';
import type { FoldedText } from './fold.js';
import { foldedToSource, foldText } from './fold.js';
import type { InvisibleHit } from './invisible-scan.js';
import { scanInvisible } from './invisible-scan.js';
import { applyEdits, OffsetMap } from './offset-map.js';
import type { Policy } from './policy.js';
import type { DetectOptions } from './sanitize-options.js';
import type { TokenMatcher } from './special-tokens.js';
import { findTokens, neutralizeMatched, neutralizeRoleMarker } from './special-tokens.js';
import { detectText, scanDecodedText } from './text-detectors.js';

// The first pass of `sanitize`: every detector over the input, each finding
// in input coordinates. Invisible characters are found first; the other
// detectors run on the clean view (invisible characters removed, then folded)
// so that `<|im_st\u200Bart|>` or `ІGNORE` cannot hide from them.

/** A finding that may edit a range (a token or a secret) and the replacement it carries. */
export interface RangeHit {
  finding: Finding;
  /** Text that replaces the range under `neutralize`/`redact`; '' under `strip`. */
  replacement: string;
  /** The text it was detected in (invisible characters removed) and its range there, to compose overlapping edits. */
  view: string;
  viewStart: number;
  viewEnd: number;
}

/** What one pass found. */
export interface Analysis {
  invisible: InvisibleHit[];
  /** Tokens and secrets: findings that can edit a range. */
  ranges: RangeHit[];
  /** Heuristic findings. */
  reports: Finding[];
}

/** Maps clean-view (or window) offsets to the text the view was made from. */
export type ToSource = (cs: number, ce: number) => [number, number];

/** The text without the invisible runs `hits`, and the map back. */
export function cleanView(text: string, hits: readonly InvisibleHit[]): { text: string; map: OffsetMap } {
  if (hits.length === 0) return { text, map: new OffsetMap() };
  const edits = [];
  for (const h of hits) edits.push({ start: h.start, end: h.end, text: h.strip });
  return applyEdits(text, edits);
}

/** The public form of an invisible hit. */
export function toFinding(h: InvisibleHit): Finding {
  const f: Finding = { kind: h.kind, severity: h.severity, start: h.start, end: h.end, message: h.message };
  if (h.decoded !== undefined) f.decoded = h.decoded;
  return f;
}

/** Special tokens and turn markers of a clean view, as range hits in source coordinates. */
export function tokenHits(
  clean: string,
  folded: FoldedText,
  matcher: TokenMatcher,
  toSource: ToSource,
): RangeHit[] {
  const out: RangeHit[] = [];
  for (const t of findTokens(folded.text, matcher)) {
    const [cs, ce] = foldedToSource(folded, t.start, t.end);
    const [start, end] = toSource(cs, ce);
    const original = clean.slice(cs, ce);
    const shown = original.length > 80 ? `${original.slice(0, 80)}…` : original;
    const role = t.kind === 'role-marker';
    out.push({
      finding: {
        kind: t.kind,
        severity: 'high',
        start,
        end,
        message: role
          ? `legacy turn marker "${shown}" at a line start`
          : `chat special token "${shown}" (${t.rule})`,
        rule: t.rule,
      },
      replacement: role ? neutralizeRoleMarker(original) : neutralizeMatched(original),
      view: clean,
      viewStart: cs,
      viewEnd: ce,
    });
  }
  return out;
}

/**
 * Hidden text recovered from smuggling is itself scanned; what it carries is
 * reported, as high, on the smuggling run's range.
 */
function hiddenTextFindings(
  invisible: readonly InvisibleHit[],
  matcher: TokenMatcher,
  maxDecodedChars: number,
): Finding[] {
  const out: Finding[] = [];
  for (const h of invisible) {
    if (h.decoded === undefined || h.decoded === '') continue;
    for (const f of scanDecodedText(h.decoded, matcher, maxDecodedChars)) {
      out.push({
        ...f,
        start: h.start,
        end: h.end,
        severity: 'high',
        message: `hidden ${h.kind} text: ${f.message}`,
      });
    }
  }
  return out;
}

/** Runs every enabled detector over `text` (the first pass). */
export function analyze(
  text: string,
  detect: DetectOptions,
  policy: Readonly<Policy>,
  matcher: TokenMatcher,
  maxDecodedChars: number,
): Analysis {
  const invisible = scanInvisible(text, {
    allowBalancedIsolates: policy.allowBalancedIsolates,
    maxDecodedChars,
  });
  const clean = cleanView(text, invisible);
  const folded = foldText(clean.text);
  const toSource: ToSource = (cs, ce) => [clean.map.toSourceStart(cs), clean.map.toSourceEnd(ce)];
  const ranges = detect.specialTokens === false ? [] : tokenHits(clean.text, folded, matcher, toSource);
  const reports: Finding[] = [];
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
  if (detect.injection !== false) appendAll(reports, hiddenTextFindings(invisible, matcher, maxDecodedChars));
  return { invisible, ranges, reports };
}
