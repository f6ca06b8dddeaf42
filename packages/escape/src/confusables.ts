import type { Finding } from './finding.js';
import { foldCodePoint, foldString } from './fold.js';

// Per-word mixed-script and whole-script confusable detection (after UTS #39
// §5). Detects only; the text shown is never rewritten. Script data comes from
// the engine (Script_Extensions, Unicode 17 on Node 20.20); the lookalike test
// uses the confusables table in confusables-data.ts (UTS #39 data 10.0.0).

const NON_ASCII = /[^\x00-\x7f]/;
const WORD = /[\p{L}\p{M}\p{Nd}_]{2,64}/gu;
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
const classCache = new Map<number, number>();

/** Latin letter, lookalike of a Latin letter from another script, other letter, or ignored (marks, digits, ASCII non-letters). */
function classify(cp: number): number {
  if (cp < 0x80) return (cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a ? LATIN_LETTER : IGNORED;
  let c = classCache.get(cp);
  if (c === undefined) {
    const ch = String.fromCodePoint(cp);
    if (MARK.test(ch)) c = IGNORED;
    else if (LATIN.test(ch)) c = LATIN_LETTER;
    else if (LOOKALIKE_SCRIPT.test(ch) && ASCII_LETTER.test(foldCodePoint(cp))) c = LOOKALIKE;
    else c = OTHER;
    if (classCache.size < 65_536) classCache.set(cp, c);
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
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const word = m[0];
    if (!NON_ASCII.test(word)) continue;
    let latin = 0;
    let lookalike = 0;
    let other = 0;
    for (const ch of word) {
      switch (classify(ch.codePointAt(0)!)) {
        case LATIN_LETTER:
          latin++;
          break;
        case LOOKALIKE:
          lookalike++;
          break;
        case OTHER:
          other++;
          break;
      }
    }
    if (lookalike === 0) continue;
    if (latin > 0) {
      out.push({
        kind: 'mixed-script-confusable',
        severity: 'medium',
        start: m.index,
        end: m.index + word.length,
        message: `word mixes Latin with ${lookalike} lookalike letter(s) of another script`,
        decoded: foldString(word),
      });
    } else if (latinText && other === 0 && lookalike >= 3) {
      out.push({
        kind: 'whole-script-confusable',
        severity: 'low',
        start: m.index,
        end: m.index + word.length,
        message: 'word made only of Latin lookalikes inside Latin text',
        decoded: foldString(word),
      });
    }
  }
  return out;
}
