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

const SUSPICIOUS = setsRegExp(SUSPICIOUS_SOURCE, 'g');
const SUSPICIOUS_ONE = setsRegExp(`^${SUSPICIOUS_SOURCE}$`, '');
const MAX_EMOJI_LOOKBACK = 40;
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

const memo = new Map<RegExp, Map<number, boolean>>();

/** `re` tested on one code point, memoized per pattern (bounded) since text repeats its characters. */
function charTest(re: RegExp, cp: number): boolean {
  if (cp < 0) return false;
  let m = memo.get(re);
  if (m === undefined) {
    m = new Map();
    memo.set(re, m);
  }
  let v = m.get(cp);
  if (v === undefined) {
    v = re.test(String.fromCodePoint(cp));
    if (m.size < 65_536) m.set(cp, v);
  }
  return v;
}

const EMOJI_START = /^[\p{Emoji}\p{Regional_Indicator}]$/u;
const emojiStartCache = new Map<number, boolean>();

/** Whether an RGI emoji sequence can begin with `cp` (cheap pre-check before the RGI regex). */
function mayStartEmoji(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || cp === 0x23 || cp === 0x2a;
  let v = emojiStartCache.get(cp);
  if (v === undefined) {
    v = EMOJI_START.test(String.fromCodePoint(cp));
    if (emojiStartCache.size < 65_536) emojiStartCache.set(cp, v);
  }
  return v;
}

/**
 * End of the RGI emoji sequence (UTS #51) that covers position `i`, or -1.
 * Candidate starts are tried left to right within a short window after `floor`.
 */
function emojiCoverEnd(text: string, i: number, floor: number): number {
  for (let j = Math.max(floor, i - MAX_EMOJI_LOOKBACK); j < i; j++) {
    const c = text.charCodeAt(j);
    if (c >= 0xdc00 && c <= 0xdfff && j > 0) {
      const h = text.charCodeAt(j - 1);
      if (h >= 0xd800 && h <= 0xdbff) continue;
    }
    if (!mayStartEmoji(text.codePointAt(j)!)) continue;
    RGI_EMOJI_STICKY.lastIndex = j;
    const m = RGI_EMOJI_STICKY.exec(text);
    if (m !== null && j + m[0].length > i) return j + m[0].length;
  }
  return -1;
}

/** Strong-direction letter nearest to `i` going `dir` (±1), within a short window; -1 if none. */
function nearestLetter(text: string, i: number, dir: 1 | -1): number {
  let p = i;
  for (let steps = 0; steps < MAX_CONTEXT; steps++) {
    const cp = dir < 0 ? cpBefore(text, p) : p < text.length ? text.codePointAt(p)! : -1;
    if (cp < 0 || cp === 10 || cp === 13) return -1;
    if (cp < 0x80) {
      if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return cp;
    } else if (charTest(LETTER, cp)) return cp;
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

/**
 * Next suspicious code point at or after a position, or -1. With windows, the
 * regex runs over each window's slice only, so the cost is the windows' total
 * length, not the text's (windows must not split a surrogate pair).
 */
function candidateFinder(
  text: string,
  re: RegExp,
  windows: readonly (readonly [number, number])[] | undefined,
): (from: number) => number {
  if (windows === undefined) {
    return (from) => {
      re.lastIndex = from;
      const m = re.exec(text);
      return m === null ? -1 : m.index;
    };
  }
  let w = 0;
  let part = '';
  let partOf = -1;
  return (from) => {
    for (; w < windows.length; w++) {
      const [ws, we] = windows[w]!;
      if (from >= we) continue;
      if (partOf !== w) {
        part = text.slice(ws, we);
        partOf = w;
      }
      re.lastIndex = Math.max(0, from - ws);
      const m = re.exec(part);
      if (m !== null) return ws + m.index;
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
  const re = new RegExp(SUSPICIOUS);
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

  const next = candidateFinder(text, re, options.windows);
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
    const prev = before >= 0 && charTest(SUSPICIOUS_ONE, before) ? -1 : before;
    const single = (kind: string, severity: Severity, label: string, strip = ''): void =>
      push({ kind, severity, start: i, end: i + len, message: `${label} ${formatCodePoint(cp)}`, strip }, cp);

    // Inside an RGI emoji sequence: ZWJ, FE0F/FE0E and tag flags are legitimate.
    if (cp === ZWJ || cp === 0xfe0f || cp === 0xfe0e || isTag(cp)) {
      const end = emojiCoverEnd(text, i, floor);
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
        ((cp === 0xfe0e || cp === 0xfe0f) && charTest(EMOJI_BASE, prev)) ||
        (cp < 0xfe0e && charTest(STANDARDIZED_VS_BASE, prev)) ||
        (cp >= 0xe0100 && charTest(IDEOGRAPHIC, prev));
      if (!legit) single('variation-selector', 'low', 'variation selector without a base that takes it');
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
      single('bidi-control', 'high', 'bidi embedding/override/isolate');
      continue;
    }

    if (isBidiMark(cp)) {
      // Judge a run of marks once, so a long run costs one context look-up.
      let k = i;
      while (k < text.length && isBidiMark(text.charCodeAt(k))) k++;
      const rtl =
        charTest(RTL_LETTER, nearestLetter(text, i, -1)) || charTest(RTL_LETTER, nearestLetter(text, k, 1));
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
      const prevJoins = charTest(LETTER_OR_MARK, prev) && charTest(JOINING_SCRIPT, prev);
      if (
        prevJoins &&
        (charTest(MARK, prev) || (charTest(LETTER_OR_MARK, next) && charTest(JOINING_SCRIPT, next)))
      ) {
        continue;
      }
    }

    if (isMongolianSelector(cp) && charTest(MONGOLIAN, prev)) continue;

    if (isSurrogate(cp)) {
      single('lone-surrogate', 'medium', 'unpaired surrogate', '\uFFFD');
      continue;
    }
    if (isControl(cp)) {
      single('control', cp === 0x1b || cp === 0x9b || cp === 0 ? 'high' : 'medium', 'control character');
      continue;
    }
    if (cp === BOM && i === 0) {
      single('zero-width', 'low', 'byte order mark');
      continue;
    }
    if (isZeroWidth(cp)) {
      single('zero-width', 'medium', 'zero-width character');
      continue;
    }
    if (charTest(NONCHARACTER, cp)) {
      single('noncharacter', 'medium', 'noncharacter');
      continue;
    }
    if (charTest(PRIVATE_USE, cp)) {
      single('private-use', 'low', 'private-use character');
      continue;
    }
    if (cp === 0x00ad || cp === 0x17b4 || cp === 0x17b5) {
      single('default-ignorable', 'low', 'invisible character');
      continue;
    }
    if (charTest(DEFAULT_IGNORABLE, cp) || !charTest(UNASSIGNED, cp)) {
      single('default-ignorable', 'medium', 'invisible character');
      continue;
    }
    single('unassigned', 'low', 'unassigned code point');
  }
  return hits;
}
