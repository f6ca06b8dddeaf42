import { createCodePointTest } from './code-point-table.js';
import {
  DIGIT,
  EGYPTIAN_HIEROGLYPH,
  isEgyptianModifier,
  isMongolianSelector,
  isPrependedMark,
  JOINING_SCRIPT,
  LETTER,
  LETTER_OR_MARK,
  MARK,
  MONGOLIAN,
  RTL_LETTER,
  ZWJ,
  ZWNJ,
} from './unicode-data.js';

// The allow-lists of the invisible scan: the contexts in which a suspicious
// code point is legitimate text (UAX #31 joiner contexts, RTL marks, Mongolian
// selectors, number signs before digits, hieroglyph modifiers after signs).
// Each decision looks at a bounded window, so the scan stays linear.

const MAX_CONTEXT = 16;

const isLetter = createCodePointTest(LETTER);
const isRtlLetter = createCodePointTest(RTL_LETTER);
const isLetterOrMark = createCodePointTest(LETTER_OR_MARK);
const isJoiningScript = createCodePointTest(JOINING_SCRIPT);
const isMark = createCodePointTest(MARK);
const isMongolian = createCodePointTest(MONGOLIAN);
const isDigit = createCodePointTest(DIGIT);
const isHieroglyph = createCodePointTest(EGYPTIAN_HIEROGLYPH);

/** Code point ending right before `i` (or -1). */
export function cpBefore(text: string, i: number): number {
  if (i <= 0) return -1;
  const lo = text.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = text.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return text.codePointAt(i - 2)!;
  }
  return lo;
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
    p += dir * (cp > 0xffff ? 2 : 1);
  }
  return -1;
}

/** Whether the run of bidi marks `[i, k)` sits next to a right-to-left letter. */
export function isInRtlRun(text: string, i: number, k: number): boolean {
  return isRtlLetter(nearestLetter(text, i, -1)) || isRtlLetter(nearestLetter(text, k, 1));
}

/**
 * Indices of isolate initiators (LRI/RLI/FSI) and PDIs that pair up within a
 * paragraph (UAX #9 BD9), so balanced isolates can be allowed by option.
 */
export function balancedIsolates(text: string): Set<number> {
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
 * Whether `cp` at `i` is legitimate where it stands: a joiner between letters
 * of a joining script or right after a virama/sign of one (UAX #31 A1: e.g.
 * Malayalam chillu "ന്‍" ends a word with ZWJ), a Mongolian selector after a
 * Mongolian letter, a prepended concatenation mark before a digit, or an
 * Egyptian hieroglyph modifier after a sign. `prev` is the code point before
 * (-1 when that one is itself removable: it cannot license what follows, or
 * stripping it would change the verdict on a second pass).
 */
export function isLicensed(text: string, i: number, cp: number, prev: number): boolean {
  if (cp === ZWNJ || cp === ZWJ) {
    if (!isLetterOrMark(prev) || !isJoiningScript(prev)) return false;
    if (isMark(prev)) return true;
    const next = i + 1 < text.length ? text.codePointAt(i + 1)! : -1;
    return isLetterOrMark(next) && isJoiningScript(next);
  }
  if (isMongolianSelector(cp)) return isMongolian(prev);
  if (isPrependedMark(cp)) return isDigit(text.codePointAt(i + (cp > 0xffff ? 2 : 1)) ?? -1);
  if (isEgyptianModifier(cp)) return isHieroglyph(prev);
  return false;
}
