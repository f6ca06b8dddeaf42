import { balancedIsolates, cpBefore, isInRtlRun, isLicensed } from './character-context.js';
import { createCodePointTest } from './code-point-table.js';
import { judgeCodePoint } from './code-point-verdict.js';
import { emojiCoverEnd } from './emoji-sequence.js';
import { formatCodePoint } from './finding.js';
import type { InvisibleHit } from './invisible-hit.js';
import { readSneakyBitsRun, readTagRun, readVariationSelectorRun } from './smuggling-runs.js';
import {
  EMOJI_BASE,
  IDEOGRAPHIC,
  isBidiExplicit,
  isBidiMark,
  isSneakyBit,
  isTag,
  isVariationSelector,
  STANDARDIZED_VS_BASE,
  SUSPICIOUS_SOURCE,
  setsRegExp,
  ZWJ,
} from './unicode-data.js';

export type { InvisibleHit } from './invisible-hit.js';

export interface InvisibleScanOptions {
  allowBalancedIsolates: boolean;
  maxDecodedChars: number;
  /**
   * Sorted, disjoint `[start, end)` windows: only code points starting inside
   * one are judged (with the whole text as context). Default: everything.
   */
  windows?: readonly (readonly [number, number])[];
}

const isSuspicious = createCodePointTest(setsRegExp(`^${SUSPICIOUS_SOURCE}$`, ''));
const isEmojiBase = createCodePointTest(EMOJI_BASE);
const isStandardizedVsBase = createCodePointTest(STANDARDIZED_VS_BASE);
const isIdeographic = createCodePointTest(IDEOGRAPHIC);

/** The state of one scan: hits so far and how far the text is already judged. */
interface Scan {
  readonly text: string;
  readonly maxDecodedChars: number;
  readonly isolates: ReadonlySet<number> | null;
  readonly emojiEnds: Map<number, number>;
  readonly hits: InvisibleHit[];
  /** Everything before it belongs to a hit or an allowed sequence. */
  floor: number;
  /** Sneaky Bits runs are judged once: no suffix of a checked run qualifies. */
  sneakyCheckedUntil: number;
}

/** First suspicious code point in `[from, end)` of `text`, or -1: a table scan, no regex per character. */
function scanSuspicious(text: string, from: number, end: number): number {
  // Hot loop over every code unit of the text: branches kept inline on purpose.
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c < 0x20 ? c !== 9 && c !== 10 && c !== 13 : c === 0x7f) return i;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        if (isSuspicious(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000)) return i;
        i++;
        continue;
      }
      return i;
    }
    if (isSuspicious(c)) return i;
  }
  return -1;
}

/**
 * Next suspicious code point at or after a position, or -1. With windows,
 * only the windows are scanned, so the cost is their total length, not the
 * text's (windows must not split a surrogate pair).
 */
function candidateFinder(
  text: string,
  windows: readonly (readonly [number, number])[] | undefined,
): (from: number) => number {
  if (windows === undefined) return (from) => scanSuspicious(text, from, text.length);
  let w = 0;
  return (from) => {
    for (; w < windows.length; w++) {
      const [ws, we] = windows[w]!;
      if (from >= we) continue;
      const i = scanSuspicious(text, Math.max(from, ws), we);
      if (i >= 0) return i;
    }
    return -1;
  };
}

/** Adds a hit, merging it into the previous one when both are plain runs of one kind that touch. */
function addHit(s: Scan, hit: InvisibleHit, cp: number): void {
  const last = s.hits[s.hits.length - 1];
  s.floor = hit.end;
  const mergeable =
    last !== undefined &&
    last.kind === hit.kind &&
    last.end === hit.start &&
    last.decoded === undefined &&
    hit.decoded === undefined &&
    last.strip === hit.strip;
  if (!mergeable) {
    s.hits.push(hit);
    return;
  }
  last.end = hit.end;
  if (hit.severity === 'high' || (hit.severity === 'medium' && last.severity === 'low')) {
    last.severity = hit.severity;
  }
  if (!last.message.includes(formatCodePoint(cp)) && last.message.length < 120) {
    last.message += `, ${formatCodePoint(cp)}`;
  }
}

/** Reports the single code point at `i` under its verdict; returns where the scan resumes. */
function addSingle(
  s: Scan,
  i: number,
  cp: number,
  kind: string,
  severity: InvisibleHit['severity'],
  label: string,
  strip = '',
): number {
  const end = i + (cp > 0xffff ? 2 : 1);
  addHit(s, { kind, severity, start: i, end, message: `${label} ${formatCodePoint(cp)}`, strip }, cp);
  return end;
}

/** One variation selector: legitimate after a base with a variation sequence for it. */
function judgeVariationSelector(s: Scan, i: number, cp: number, prev: number): number {
  const run = readVariationSelectorRun(s.text, i, s.maxDecodedChars);
  if (run !== undefined) {
    addHit(s, run, cp);
    return run.end;
  }
  const legit =
    ((cp === 0xfe0e || cp === 0xfe0f) && isEmojiBase(prev)) ||
    (cp < 0xfe0e && isStandardizedVsBase(prev)) ||
    (cp >= 0xe0100 && isIdeographic(prev));
  const end = i + (cp > 0xffff ? 2 : 1);
  if (legit) return end;
  return addSingle(s, i, cp, 'variation-selector', 'low', 'variation selector without a base that takes it');
}

/** A run of LRM/RLM/ALM, judged once (one context look-up): legitimate as 1–3 marks in an RTL run. */
function judgeBidiMarks(s: Scan, i: number, cp: number): number {
  let k = i;
  while (k < s.text.length && isBidiMark(s.text.charCodeAt(k))) k++;
  if (k - i <= 3 && isInRtlRun(s.text, i, k)) {
    s.floor = k;
    return k;
  }
  addHit(
    s,
    {
      kind: 'bidi-control',
      severity: k - i > 3 ? 'medium' : 'low',
      start: i,
      end: k,
      message: `bidi mark(s) outside a right-to-left run ${formatCodePoint(cp)}`,
      strip: '',
    },
    cp,
  );
  return k;
}

/** Smuggling runs and emoji sequences starting at `i`; returns the resume position, or -1 for none. */
function judgeSequence(s: Scan, i: number, cp: number): number {
  if (cp === ZWJ || cp === 0xfe0f || cp === 0xfe0e || isTag(cp)) {
    // Inside an RGI emoji sequence: ZWJ, FE0F/FE0E and tag flags are legitimate.
    const end = emojiCoverEnd(s.text, i, s.floor, s.emojiEnds);
    if (end > i) {
      s.floor = end;
      return end;
    }
  }
  if (isTag(cp)) {
    const hit = readTagRun(s.text, i, s.maxDecodedChars);
    addHit(s, hit, cp);
    return hit.end;
  }
  if ((isSneakyBit(cp) || cp === 0x200b) && i >= s.sneakyCheckedUntil) {
    const run = readSneakyBitsRun(s.text, i, s.maxDecodedChars);
    if (run.hit !== undefined) {
      addHit(s, run.hit, cp);
      return run.end;
    }
    s.sneakyCheckedUntil = run.end;
  }
  return -1;
}

/** Judges the suspicious code point at `i`; returns where the scan resumes. */
function judgeAt(s: Scan, i: number): number {
  const cp = s.text.codePointAt(i)!;
  const sequenceEnd = judgeSequence(s, i, cp);
  if (sequenceEnd >= 0) return sequenceEnd;
  // A base that is itself removable cannot license what follows it, or
  // stripping it would change the verdict on a second pass.
  const before = cpBefore(s.text, i);
  const prev = before >= 0 && isSuspicious(before) ? -1 : before;
  if (isVariationSelector(cp)) return judgeVariationSelector(s, i, cp, prev);
  if (isBidiExplicit(cp)) {
    if (s.isolates?.has(i)) return i + 1;
    return addSingle(s, i, cp, 'bidi-control', 'high', 'bidi embedding/override/isolate');
  }
  if (isBidiMark(cp)) return judgeBidiMarks(s, i, cp);
  if (isLicensed(s.text, i, cp, prev)) return i + (cp > 0xffff ? 2 : 1);
  const v = judgeCodePoint(cp, i);
  return addSingle(s, i, cp, v.kind, v.severity, v.label, v.strip);
}

/**
 * Finds every invisible, control, smuggling, format and unassigned code point
 * run in `text`, skipping legitimate uses (RGI emoji sequences, variation
 * sequences, joiners in joining scripts, bidi marks in RTL runs, number signs
 * before digits). Linear: the scan jumps between suspicious code points and
 * each decision looks at a bounded window.
 */
export function scanInvisible(text: string, options: InvisibleScanOptions): InvisibleHit[] {
  const s: Scan = {
    text,
    maxDecodedChars: options.maxDecodedChars,
    isolates: options.allowBalancedIsolates ? balancedIsolates(text) : null,
    emojiEnds: new Map(),
    hits: [],
    floor: 0,
    sneakyCheckedUntil: 0,
  };
  const next = candidateFinder(text, options.windows);
  for (let i = next(0); i >= 0; ) {
    i = next(i < s.floor ? s.floor : judgeAt(s, i));
  }
  return s.hits;
}
