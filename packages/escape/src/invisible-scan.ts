import { createCodePointTest } from './code-point-table.js';
import type { Severity } from './finding.js';
import { formatCodePoint } from './finding.js';
import { decodeSneakyBits, decodeTagCharacters, decodeVariationSelectors } from './smuggling-decoders.js';
import {
  BOM,
  DEFAULT_IGNORABLE,
  EMOJI_BASE,
  IDEOGRAPHIC,
  isBidiExplicit,
  isBidiMark,
  isControl,
  isMongolianSelector,
  isSneakyBit,
  isSurrogate,
  isTag,
  isVariationSelector,
  isZeroWidth,
  JOINING_SCRIPT,
  LETTER,
  LETTER_OR_MARK,
  MARK,
  MONGOLIAN,
  NONCHARACTER,
  PRIVATE_USE,
  RGI_EMOJI_STICKY,
  RTL_LETTER,
  STANDARDIZED_VS_BASE,
  SUSPICIOUS_SOURCE,
  setsRegExp,
  UNASSIGNED,
  ZWJ,
  ZWNJ,
} from './unicode-data.js';

/** An invisible or control character run that the policy may strip or make visible. */
export interface InvisibleHit {
  kind: string;
  severity: Severity;
  start: number;
  end: number;
  message: string;
  decoded?: string;
  /** Text that replaces the run under `strip` ('' or U+FFFD for lone surrogates). */
  strip: string;
}

export interface InvisibleScanOptions {
  allowBalancedIsolates: boolean;
  maxDecodedChars: number;
  /**
   * Sorted, disjoint `[start, end)` windows: only code points starting inside
   * one are judged (with the whole text as context). Default: everything.
   */
  windows?: readonly (readonly [number, number])[];
}

const SUSPICIOUS_ONE = setsRegExp(`^${SUSPICIOUS_SOURCE}$`, '');
// An RGI sequence is judged from the first candidate inside it (ZWJ, FE0F,
// FE0E, tag), which the scan meets before any later one; that candidate lies
// at most one element (an emoji plus a skin tone: 4 code units) after the
// sequence start. 16 leaves room to spare.
const MAX_EMOJI_LOOKBACK = 16;
/** Longest stretch of emoji-sequence characters handed to the RGI regex (longest RGI sequence: 35 units). */
const MAX_EMOJI_SPAN = 40;
const MAX_CONTEXT = 16;

function cpLen(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/** Code point ending right before `i` (or -1). */
function cpBefore(text: string, i: number): number {
  if (i <= 0) return -1;
  const lo = text.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = text.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return text.codePointAt(i - 2)!;
  }
  return lo;
}

const isLetter = createCodePointTest(LETTER);
const isSuspicious = createCodePointTest(SUSPICIOUS_ONE);
const isEmojiBase = createCodePointTest(EMOJI_BASE);
const isStandardizedVsBase = createCodePointTest(STANDARDIZED_VS_BASE);
const isIdeographic = createCodePointTest(IDEOGRAPHIC);
const isRtlLetter = createCodePointTest(RTL_LETTER);
const isLetterOrMark = createCodePointTest(LETTER_OR_MARK);
const isJoiningScript = createCodePointTest(JOINING_SCRIPT);
const isMark = createCodePointTest(MARK);
const isMongolian = createCodePointTest(MONGOLIAN);
const isNoncharacter = createCodePointTest(NONCHARACTER);
const isPrivateUse = createCodePointTest(PRIVATE_USE);
const isDefaultIgnorable = createCodePointTest(DEFAULT_IGNORABLE);
const isUnassigned = createCodePointTest(UNASSIGNED);

const EMOJI_START = /^[\p{Emoji}\p{Regional_Indicator}]$/u;
const isEmojiStart = createCodePointTest(EMOJI_START);

/** Whether an RGI emoji sequence can begin with `cp` (cheap pre-check before the RGI regex). */
function mayStartEmoji(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || cp === 0x23 || cp === 0x2a;
  return isEmojiStart(cp);
}

/**
 * Code points that can continue an RGI emoji sequence after its first code
 * point (UTS #51 ED-15…ED-20: presentation selectors, ZWJ, keycap, skin-tone
 * modifiers, tags, the second regional indicator). If none follows a
 * candidate start, its RGI match is that one code point: no regex needed.
 */
function continuesEmoji(cp: number): boolean {
  return (
    cp === 0xfe0f ||
    cp === 0xfe0e ||
    cp === ZWJ ||
    cp === 0x20e3 ||
    (cp >= 0x1f3fb && cp <= 0x1f3ff) ||
    (cp >= 0xe0020 && cp <= 0xe007f) ||
    (cp >= 0x1f1e6 && cp <= 0x1f1ff)
  );
}

/**
 * End of the RGI emoji sequence (UTS #51) that covers position `i`, or -1.
 * Candidate starts are tried left to right within a short window after `floor`.
 */
function emojiCoverEnd(text: string, i: number, floor: number, ends: Map<number, number>): number {
  for (let j = Math.max(floor, i - MAX_EMOJI_LOOKBACK); j < i; j++) {
    const c = text.charCodeAt(j);
    if (c >= 0xdc00 && c <= 0xdfff && j > 0) {
      const h = text.charCodeAt(j - 1);
      if (h >= 0xd800 && h <= 0xdbff) continue;
    }
    const start = text.codePointAt(j)!;
    if (!mayStartEmoji(start)) continue;
    const after = j + (start > 0xffff ? 2 : 1);
    if (after <= i && !continuesEmoji(text.codePointAt(after) ?? -1)) continue;
    // Windows of nearby candidates overlap: each start is matched once per scan.
    let end = ends.get(j);
    if (end === undefined) {
      const len = rgiLength(text, j);
      end = len > 0 ? j + len : -1;
      ends.set(j, end);
    }
    if (end > i) return end;
  }
  return -1;
}

const rgiCache = new Map<string, number>();

/**
 * Length of the RGI emoji sequence starting at `j` (0 if none). The regex runs
 * on the stretch of emoji-sequence characters from `j` only — a match cannot
 * extend past a character that no sequence contains — and the result is
 * cached by that stretch, since real text repeats its emoji.
 */
function rgiLength(text: string, j: number): number {
  let k = j;
  while (k < text.length && k - j < MAX_EMOJI_SPAN) {
    const cp = text.codePointAt(k)!;
    if (!mayStartEmoji(cp) && !continuesEmoji(cp)) break;
    k += cp > 0xffff ? 2 : 1;
  }
  const key = text.slice(j, k);
  let len = rgiCache.get(key);
  if (len === undefined) {
    RGI_EMOJI_STICKY.lastIndex = 0;
    len = RGI_EMOJI_STICKY.test(key) ? RGI_EMOJI_STICKY.lastIndex : 0;
    if (rgiCache.size >= 4096) rgiCache.clear();
    rgiCache.set(key, len);
  }
  return len;
}

/** Strong-direction letter nearest to `i` going `dir` (±1), within a short window; -1 if none. */
function nearestLetter(text: string, i: number, dir: 1 | -1): number {
  let p = i;
  for (let steps = 0; steps < MAX_CONTEXT; steps++) {
    const cp = dir < 0 ? cpBefore(text, p) : p < text.length ? text.codePointAt(p)! : -1;
    if (cp < 0 || cp === 10 || cp === 13) return -1;
    if (cp < 0x80) {
      if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return cp;
    } else if (isLetter(cp)) return cp;
    p += dir * cpLen(cp);
  }
  return -1;
}

/**
 * Indices of isolate initiators (LRI/RLI/FSI) and PDIs that pair up within a
 * paragraph (UAX #9 BD9), so balanced isolates can be allowed by option.
 */
function balancedIsolates(text: string): Set<number> {
  const ok = new Set<number>();
  const stack: number[] = [];
  const re = /[\u2066-\u2069\n\r\u2029]/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const c = text.charCodeAt(m.index);
    if (c === 0x2069) {
      const open = stack.pop();
      if (open !== undefined) {
        ok.add(open);
        ok.add(m.index);
      }
    } else if (c >= 0x2066) {
      if (stack.length < 125) stack.push(m.index);
    } else stack.length = 0;
  }
  return ok;
}

/** First suspicious code point in `[from, end)` of `text`, or -1: a table scan, no regex per character. */
function scanSuspicious(text: string, from: number, end: number): number {
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

/**
 * Finds every invisible, control, smuggling and unassigned code point run in
 * `text`, skipping legitimate uses (RGI emoji sequences, variation sequences,
 * joiners in joining scripts, bidi marks in RTL runs). Linear: the regex jumps
 * between suspicious code points and each decision looks at a bounded window.
 */
export function scanInvisible(text: string, options: InvisibleScanOptions): InvisibleHit[] {
  const hits: InvisibleHit[] = [];
  const isolates = options.allowBalancedIsolates ? balancedIsolates(text) : null;
  let floor = 0;
  let sneakyCheckedUntil = 0;

  const push = (hit: InvisibleHit, cp: number): void => {
    const last = hits[hits.length - 1];
    if (
      last !== undefined &&
      last.kind === hit.kind &&
      last.end === hit.start &&
      last.decoded === undefined &&
      hit.decoded === undefined &&
      last.strip === hit.strip
    ) {
      last.end = hit.end;
      if (hit.severity === 'high' || (hit.severity === 'medium' && last.severity === 'low')) {
        last.severity = hit.severity;
      }
      if (!last.message.includes(formatCodePoint(cp)) && last.message.length < 120) {
        last.message += `, ${formatCodePoint(cp)}`;
      }
    } else hits.push(hit);
    floor = hit.end;
  };

  const emojiEnds = new Map<number, number>();
  const single = (i: number, cp: number, kind: string, severity: Severity, label: string, strip = ''): void =>
    push(
      { kind, severity, start: i, end: i + cpLen(cp), message: `${label} ${formatCodePoint(cp)}`, strip },
      cp,
    );
  const next = candidateFinder(text, options.windows);
  for (let i = next(0), resume = 0; i >= 0; i = next(resume)) {
    if (i < floor) {
      resume = floor;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const len = cpLen(cp);
    resume = i + len;
    // A base that is itself removable cannot license what follows it, or
    // stripping it would change the verdict on a second pass.
    const before = cpBefore(text, i);
    const prev = before >= 0 && isSuspicious(before) ? -1 : before;

    // Inside an RGI emoji sequence: ZWJ, FE0F/FE0E and tag flags are legitimate.
    if (cp === ZWJ || cp === 0xfe0f || cp === 0xfe0e || isTag(cp)) {
      const end = emojiCoverEnd(text, i, floor, emojiEnds);
      if (end > i) {
        floor = end;
        resume = end;
        continue;
      }
    }

    if (isTag(cp)) {
      const cps: number[] = [];
      let k = i;
      for (let c = text.codePointAt(k) ?? -1; isTag(c); c = text.codePointAt(k) ?? -1) {
        cps.push(c);
        k += 2;
      }
      const decoded = clip(decodeTagCharacters(cps), options.maxDecodedChars);
      push(
        {
          kind: 'tag-characters',
          severity: 'high',
          start: i,
          end: k,
          message: `${cps.length} Unicode tag character(s) hiding text (ASCII smuggling)`,
          decoded,
          strip: '',
        },
        cp,
      );
      resume = k;
      continue;
    }

    if (isVariationSelector(cp)) {
      const cps: number[] = [];
      let k = i;
      for (let c = text.codePointAt(k) ?? -1; isVariationSelector(c); c = text.codePointAt(k) ?? -1) {
        cps.push(c);
        k += cpLen(c);
      }
      if (cps.length >= 2) {
        push(
          {
            kind: 'variation-selector-smuggling',
            severity: 'high',
            start: i,
            end: k,
            message: `${cps.length} variation selectors in a row encoding bytes`,
            decoded: clip(decodeVariationSelectors(cps), options.maxDecodedChars),
            strip: '',
          },
          cp,
        );
        resume = k;
        continue;
      }
      const legit =
        ((cp === 0xfe0e || cp === 0xfe0f) && isEmojiBase(prev)) ||
        (cp < 0xfe0e && isStandardizedVsBase(prev)) ||
        (cp >= 0xe0100 && isIdeographic(prev));
      if (!legit)
        single(i, cp, 'variation-selector', 'low', 'variation selector without a base that takes it');
      continue;
    }

    if ((isSneakyBit(cp) || cp === 0x200b) && i >= sneakyCheckedUntil) {
      const cps: number[] = [];
      let bits = 0;
      let k = i;
      for (let c = text.charCodeAt(k); isSneakyBit(c) || c === 0x200b; c = text.charCodeAt(k)) {
        cps.push(c);
        if (c !== 0x200b) bits++;
        k++;
      }
      if (bits >= 6) {
        push(
          {
            kind: 'sneaky-bits',
            severity: 'high',
            start: i,
            end: k,
            message: `${bits} invisible operators U+2062/U+2064 used as binary digits (Sneaky Bits)`,
            decoded: clip(decodeSneakyBits(cps).trim(), options.maxDecodedChars),
            strip: '',
          },
          cp,
        );
        resume = k;
        continue;
      }
      // Every suffix of this run has fewer bits: do not re-examine it (keeps the scan linear).
      sneakyCheckedUntil = k;
    }

    if (isBidiExplicit(cp)) {
      if (isolates?.has(i)) continue;
      single(i, cp, 'bidi-control', 'high', 'bidi embedding/override/isolate');
      continue;
    }

    if (isBidiMark(cp)) {
      // Judge a run of marks once, so a long run costs one context look-up.
      let k = i;
      while (k < text.length && isBidiMark(text.charCodeAt(k))) k++;
      const rtl = isRtlLetter(nearestLetter(text, i, -1)) || isRtlLetter(nearestLetter(text, k, 1));
      if (rtl && k - i <= 3) {
        resume = k;
        floor = k;
        continue;
      }
      push(
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
      resume = k;
      continue;
    }

    if (cp === ZWNJ || cp === ZWJ) {
      const next = i + 1 < text.length ? text.codePointAt(i + 1)! : -1;
      // Between letters of a joining script, or right after a virama/sign of
      // one (UAX #31 A1: e.g. Malayalam chillu "ന്‍" ends a word with ZWJ).
      const prevJoins = isLetterOrMark(prev) && isJoiningScript(prev);
      if (prevJoins && (isMark(prev) || (isLetterOrMark(next) && isJoiningScript(next)))) {
        continue;
      }
    }

    if (isMongolianSelector(cp) && isMongolian(prev)) continue;

    if (isSurrogate(cp)) {
      single(i, cp, 'lone-surrogate', 'medium', 'unpaired surrogate', '\uFFFD');
      continue;
    }
    if (isControl(cp)) {
      single(
        i,
        cp,
        'control',
        cp === 0x1b || cp === 0x9b || cp === 0 ? 'high' : 'medium',
        'control character',
      );
      continue;
    }
    if (cp === BOM && i === 0) {
      single(i, cp, 'zero-width', 'low', 'byte order mark');
      continue;
    }
    if (isZeroWidth(cp)) {
      single(i, cp, 'zero-width', 'medium', 'zero-width character');
      continue;
    }
    if (isNoncharacter(cp)) {
      single(i, cp, 'noncharacter', 'medium', 'noncharacter');
      continue;
    }
    if (isPrivateUse(cp)) {
      single(i, cp, 'private-use', 'low', 'private-use character');
      continue;
    }
    if (cp === 0x00ad || cp === 0x17b4 || cp === 0x17b5) {
      single(i, cp, 'default-ignorable', 'low', 'invisible character');
      continue;
    }
    if (isDefaultIgnorable(cp) || !isUnassigned(cp)) {
      single(i, cp, 'default-ignorable', 'medium', 'invisible character');
      continue;
    }
    single(i, cp, 'unassigned', 'low', 'unassigned code point');
  }
  return hits;
}
