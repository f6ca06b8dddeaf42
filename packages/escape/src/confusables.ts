import { createCodePointTest } from './code-point-table.js';
import type { Finding } from './finding.js';
import { foldCodePoint, foldString } from './fold.js';

// Per-word mixed-script and whole-script confusable detection (after UTS #39
// §5). Detects only; the text shown is never rewritten. Script data comes from
// the engine (Script_Extensions, Unicode 17 on Node 20.20); the lookalike test
// uses the confusables table in confusables-data.ts (UTS #39 data 10.0.0).

const NON_ASCII = /[^\x00-\x7f]/;
const isWordChar = createCodePointTest(/^[\p{L}\p{M}\p{Nd}_]$/u);
const MARK = /^\p{M}$/u;
const LATIN = /^\p{scx=Latin}$/u;
/** Scripts with letters that look like Latin letters. */
const LOOKALIKE_SCRIPT =
  /^[\p{scx=Cyrillic}\p{scx=Greek}\p{scx=Armenian}\p{scx=Cherokee}\p{scx=Coptic}\p{scx=Lisu}\p{scx=Vai}]$/u;
const ASCII_LETTER = /^[a-z]$/;

const IGNORED = 0;
const LATIN_LETTER = 1;
const LOOKALIKE = 2;
const OTHER = 3;
// Verdicts per code point, filled on first use: BMP in a table (class + 1), astral in a bounded Map.
const classTable = new Uint8Array(0x10000);
const classCache = new Map<number, number>();

/** Latin letter, lookalike of a Latin letter from another script, other letter, or ignored (marks, digits, ASCII non-letters). */
function classify(cp: number): number {
  if (cp < 0x80) return (cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a ? LATIN_LETTER : IGNORED;
  if (cp < 0x10000 && classTable[cp] !== 0) return classTable[cp]! - 1;
  let c = cp < 0x10000 ? undefined : classCache.get(cp);
  if (c === undefined) {
    const ch = String.fromCodePoint(cp);
    if (MARK.test(ch)) c = IGNORED;
    else if (LATIN.test(ch)) c = LATIN_LETTER;
    else if (LOOKALIKE_SCRIPT.test(ch) && ASCII_LETTER.test(foldCodePoint(cp))) c = LOOKALIKE;
    else c = OTHER;
    if (cp < 0x10000) classTable[cp] = c + 1;
    else if (classCache.size < 65_536) classCache.set(cp, c);
  }
  return c;
}

/** Confusable findings in `text` (coordinates of `text`). */
export function detectConfusables(text: string): Finding[] {
  if (!NON_ASCII.test(text)) return [];
  let asciiLetters = 0;
  let others = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) asciiLetters++;
    else if (c >= 0x80) others++;
  }
  const latinText = asciiLetters > 4 * others;
  const out: Finding[] = [];
  // Words as `/[\p{L}\p{M}\p{Nd}_]{2,64}/gu` would find them (a longer run
  // splits into 64-code-point chunks), scanned by hand with table look-ups so
  // no match array or substring is made per word.
  let start = -1;
  let cps = 0;
  let latin = 0;
  let lookalike = 0;
  let other = 0;
  let nonAscii = false;
  const flush = (end: number): void => {
    if (cps >= 2 && nonAscii && lookalike > 0) {
      const word = text.slice(start, end);
      if (latin > 0) {
        out.push({
          kind: 'mixed-script-confusable',
          severity: 'medium',
          start,
          end,
          message: `word mixes Latin with ${lookalike} lookalike letter(s) of another script`,
          decoded: foldString(word),
        });
      } else if (latinText && other === 0 && lookalike >= 3) {
        out.push({
          kind: 'whole-script-confusable',
          severity: 'low',
          start,
          end,
          message: 'word made only of Latin lookalikes inside Latin text',
          decoded: foldString(word),
        });
      }
    }
    start = -1;
    cps = 0;
    latin = 0;
    lookalike = 0;
    other = 0;
    nonAscii = false;
  };
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    if (!isWordChar(cp)) {
      if (start >= 0) flush(i);
      i += len;
      continue;
    }
    if (cps === 64) flush(i);
    if (start < 0) start = i;
    cps++;
    if (cp >= 0x80) nonAscii = true;
    const c = classify(cp);
    if (c === LATIN_LETTER) latin++;
    else if (c === LOOKALIKE) lookalike++;
    else if (c === OTHER) other++;
    i += len;
  }
  if (start >= 0) flush(text.length);
  return out;
}
