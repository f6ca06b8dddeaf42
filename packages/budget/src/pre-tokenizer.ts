/**
 * The pre-tokenizers of o200k_base, cl100k_base and tekken as hand-written
 * scanners that give exactly the pieces of their regexes (flags `gu`). One
 * scanner per pattern family, parameterized by what differs: o200k_harmony
 * uses o200k_base's pattern, Llama 3 uses cl100k_base's (its tokenizer.json
 * writes the contractions as `(?i:…)`, see llama3-vocabulary.ts), and
 * tekken's is o200k_base's without the contraction suffix and with single
 * digits (`\p{N}` for `\p{N}{1,3}`).
 *
 * Why not the regexes: their greedy letter and symbol loops over classes with
 * astral code points keep one backtracking entry per character, and V8's
 * regex stack overflows (a RangeError) on a run of about 4 million such
 * characters: `'中'.repeat(4_200_000)`. A scanner needs no stack, and each
 * alternative's backtracking reduces to remembering one position (below).
 *
 * The patterns, as alternatives tried in order at each position p:
 *
 * o200k_base: `P? A* B+ C?` | `P? A+ B* C?` | `N{1,3}` | ` ?Q+[\r\n/]*` | `\s*[\r\n]+` | `\s+(?!\S)` | `\s+`
 * cl100k_base: `C` | `P? L+` | `N{1,3}` | ` ?Q+[\r\n]*` | `\s*[\r\n]+` | `\s+(?!\S)` | `\s+`
 * tekken: `P? A* B+` | `P? A+ B*` | `N` | ` ?Q+[\r\n/]*` | `\s*[\r\n]+` | `\s+(?!\S)` | `\s+`
 *
 * with P = `[^\r\n\p{L}\p{N}]`, A = `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`,
 * B = `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`, Q = `[^\s\p{L}\p{N}]`, L = `\p{L}`,
 * N = `\p{N}`, and C the contractions `'s 't 're 've 'm 'll 'd` in any case.
 */

const LU = 1;
const LL = 2;
const LT = 4;
const LM = 8;
const LO = 16;
const MARK = 32;
const NUM = 64;
const SPACE = 128;
const LETTER = LU | LL | LT | LM | LO;
const UPPER = LU | LT | LM | LO | MARK;
const LOWER = LL | LM | LO | MARK;

const PROPERTIES: readonly (readonly [RegExp, number])[] = [
  [/\p{Lu}/gu, LU],
  [/\p{Ll}/gu, LL],
  [/\p{Lt}/gu, LT],
  [/\p{Lm}/gu, LM],
  [/\p{Lo}/gu, LO],
  [/\p{M}/gu, MARK],
  [/\p{N}/gu, NUM],
  [/\s/gu, SPACE],
];

/**
 * Class flags per code point, computed 256 code points at a time on first
 * use: the BMP in one flat table (64 KB), astral blocks in a map (at most
 * 4,096 blocks of 256 bytes).
 */
const bmp = new Uint8Array(0x10000);
const bmpFilled = new Uint8Array(256);
const astral = new Map<number, Uint8Array>();

function fillBlock(block: number, flags: Uint8Array, offset: number): void {
  // One string per block: a block of surrogate code units holds only highs or only lows, so none pair up.
  let text = '';
  for (let i = 0; i < 256; i++) text += String.fromCodePoint(block * 256 + i);
  const width = block >= 0x100 ? 2 : 1;
  for (const [re, flag] of PROPERTIES) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const k = offset + m.index / width;
      flags[k] = (flags[k] as number) | flag;
    }
  }
}

function flagsOf(cp: number): number {
  const block = cp >> 8;
  if (cp < 0x10000) {
    if (bmpFilled[block] === 0) {
      fillBlock(block, bmp, block * 256);
      bmpFilled[block] = 1;
    }
    return bmp[cp] as number;
  }
  let flags = astral.get(block);
  if (flags === undefined) {
    flags = new Uint8Array(256);
    fillBlock(block, flags, 0);
    astral.set(block, flags);
  }
  return flags[cp & 0xff] as number;
}

/** The code point at `i` (a lone surrogate stands for itself, as in a `u` regex). */
function codePointAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
  }
  return c;
}

const width = (cp: number): number => (cp > 0xffff ? 2 : 1);
const isNewline = (cp: number): boolean => cp === 0x0a || cp === 0x0d;
/** `[^\r\n\p{L}\p{N}]` */
const isPrefix = (cp: number): boolean => !isNewline(cp) && (flagsOf(cp) & (LETTER | NUM)) === 0;
/** `[^\s\p{L}\p{N}]` */
const isSymbol = (cp: number): boolean => (flagsOf(cp) & (SPACE | LETTER | NUM)) === 0;

/** End of the run of code points from `i` whose flags meet `mask`. */
function runEnd(text: string, i: number, mask: number): number {
  while (i < text.length) {
    const cp = codePointAt(text, i);
    if ((flagsOf(cp) & mask) === 0) break;
    i += width(cp);
  }
  return i;
}

/** Length of the contraction (`'s`, `'re`, `'LL`…) at `i`, or 0. */
function contraction(text: string, i: number): number {
  if (text.charCodeAt(i) !== 0x27) return 0;
  const a = text.charCodeAt(i + 1) | 0x20; // ASCII lowercase (non-letters never match below)
  if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) return 2; // s t m d
  const b = text.charCodeAt(i + 2) | 0x20;
  if ((a === 0x72 || a === 0x76) && b === 0x65) return 3; // re ve
  if (a === 0x6c && b === 0x6c) return 3; // ll
  return 0;
}

/** Where `X` starts first in a pattern `P? X`: after a prefix character at p (greedy), or -1 when there is none. */
function afterPrefix(text: string, p: number): number {
  const cp = codePointAt(text, p);
  return isPrefix(cp) ? p + width(cp) : -1;
}

/**
 * `P? A* B+ C?` (`C?` only when `suffix`): A* gives back characters until B+
 * can start, so B+ starts at the last B of the A-run, or right after it.
 */
function upperThenLower(text: string, p: number, suffix: boolean): number {
  // Two tries, as the regex backtracks: with the prefix character consumed, then without.
  for (let q = afterPrefix(text, p), tries = 0; tries < 2; q = p, tries++) {
    if (q < 0) continue;
    let i = q;
    let lastLower = -1;
    while (i < text.length) {
      const cp = codePointAt(text, i);
      const f = flagsOf(cp);
      if ((f & UPPER) === 0) break;
      if ((f & LOWER) !== 0) lastLower = i;
      i += width(cp);
    }
    const start = i < text.length && (flagsOf(codePointAt(text, i)) & LOWER) !== 0 ? i : lastLower;
    if (start < 0) continue;
    const end = runEnd(text, start, LOWER);
    return suffix ? end + contraction(text, end) : end;
  }
  return -1;
}

/** `P? A+ B* C?` (`C?` only when `suffix`) */
function upperRun(text: string, p: number, suffix: boolean): number {
  for (let q = afterPrefix(text, p), tries = 0; tries < 2; q = p, tries++) {
    if (q < 0) continue;
    const upperEnd = runEnd(text, q, UPPER);
    if (upperEnd === q) continue;
    const end = runEnd(text, upperEnd, LOWER);
    return suffix ? end + contraction(text, end) : end;
  }
  return -1;
}

/** `N{1,max}` */
function digits(text: string, p: number, max: number): number {
  let i = p;
  for (let k = 0; k < max && i < text.length; k++) {
    const cp = codePointAt(text, i);
    if ((flagsOf(cp) & NUM) === 0) break;
    i += width(cp);
  }
  return i > p ? i : -1;
}

/** ` ?Q+` then newlines (and `/` for o200k) */
function symbols(text: string, p: number, slash: boolean): number {
  // Without the space, Q+ would start at a space, which is not in Q: no second try.
  let i = text.charCodeAt(p) === 0x20 ? p + 1 : p;
  const q = i;
  while (i < text.length) {
    const cp = codePointAt(text, i);
    if (!isSymbol(cp)) break;
    i += width(cp);
  }
  if (i === q) return -1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (!(c === 0x0a || c === 0x0d || (slash && c === 0x2f))) return i;
    i++;
  }
}

/** `\s*[\r\n]+` | `\s+(?!\S)` | `\s+` over the whitespace run at p (all whitespace is in the BMP). */
function whitespace(text: string, p: number): number {
  let i = p;
  let lastNewline = -1;
  while (i < text.length && (flagsOf(text.charCodeAt(i)) & SPACE) !== 0) {
    if (isNewline(text.charCodeAt(i))) lastNewline = i;
    i++;
  }
  // \s* gives back to the last newline, and [\r\n]+ takes it (the next one is not a newline).
  if (lastNewline >= 0) return lastNewline + 1;
  if (i === p) return -1;
  // \s+(?!\S): the whole run at the end of the text, else all but its last character if that leaves one.
  if (i === text.length || i - 1 > p) return i === text.length ? i : i - 1;
  return i;
}

/** End of the piece starting at `p` (< text.length). */
export type PieceScanner = (text: string, p: number) => number;

/** The o200k family: cased letter runs with an optional contraction `suffix`, digit runs of at most `maxDigits`. */
function scanCased(text: string, p: number, suffix: boolean, maxDigits: number): number {
  let end = upperThenLower(text, p, suffix);
  if (end < 0) end = upperRun(text, p, suffix);
  if (end < 0) end = digits(text, p, maxDigits);
  if (end < 0) end = symbols(text, p, true);
  if (end < 0) end = whitespace(text, p);
  return end;
}

/**
 * `A* B+ C?` | `A+ B* C?` from `q`, where the prefix `P?` is already settled
 * (taken, or impossible), or -1. Both alternatives read the same A-run: the
 * first needs a B in it or right after it (B+ starts at the last one, as
 * upperThenLower says); the second takes the whole run, and B* is then empty
 * (the character after the run is not a B, or the first would have matched).
 */
function casedFrom(text: string, q: number, suffix: boolean): number {
  let i = q;
  let lastLower = -1;
  while (i < text.length) {
    const cp = codePointAt(text, i);
    const f = flagsOf(cp);
    if ((f & UPPER) === 0) break;
    if ((f & LOWER) !== 0) lastLower = i;
    i += width(cp);
  }
  const start = i < text.length && (flagsOf(codePointAt(text, i)) & LOWER) !== 0 ? i : lastLower;
  let end: number;
  if (start >= 0) end = runEnd(text, start, LOWER);
  else if (i > q) end = i;
  else return -1;
  return suffix ? end + contraction(text, end) : end;
}

/**
 * scanCased, decided by the class of the code point at p and of the next one
 * instead of trying the alternatives in order (on JSON and code most pieces
 * are punctuation or digits, and the chain ran both letter alternatives,
 * with and without the prefix, before reaching theirs). Why each branch
 * picks the alternative the regex would (A ∪ B = L ∪ M; P ∩ (A ∪ B) = M):
 * - a letter is not in P, so there is no prefix: the letter alternatives from p;
 * - a number is in none of P, A, B: only `N{1,k}` can start there;
 * - a mark is in P, A and B, so the order of the four letter tries decides
 *   (`\u0301X` is `\u0301` by `A* B+` without the prefix, before `P? A+`): the full chain;
 * - `\r` / `\n` are in neither P nor Q: only the whitespace alternatives;
 * - anything else is in P and not in A ∪ B. Followed by a letter or mark, the
 *   letter alternatives take it as the prefix (`A* B+` or, failing that, `A+ B*`
 *   from the next code point, which is then in Lu ∪ Lt ⊂ A); otherwise no letter
 *   alternative matches at p, and it is a symbol run (` ?Q+`) when it is in Q,
 *   or a space followed by a code point in Q, and whitespace otherwise.
 */
function scanCasedDispatch(text: string, p: number, suffix: boolean, maxDigits: number): number {
  const cp = codePointAt(text, p);
  const f = flagsOf(cp);
  if ((f & LETTER) !== 0) return casedFrom(text, p, suffix);
  if ((f & NUM) !== 0) return digits(text, p, maxDigits);
  if ((f & MARK) !== 0) return scanCased(text, p, suffix, maxDigits);
  if (isNewline(cp)) return whitespace(text, p);
  const q = p + width(cp);
  if (q === text.length) return (f & SPACE) !== 0 ? whitespace(text, p) : q;
  const next = flagsOf(codePointAt(text, q));
  if ((next & (UPPER | LOWER)) !== 0) return casedFrom(text, q, suffix);
  if ((f & SPACE) === 0) return symbols(text, p, true);
  return cp === 0x20 && (next & (SPACE | NUM)) === 0 ? symbols(text, p, true) : whitespace(text, p);
}

const scanO200k: PieceScanner = (text, p) => scanCasedDispatch(text, p, true, 3);
const scanTekken: PieceScanner = (text, p) => scanCasedDispatch(text, p, false, 1);

/**
 * cl100k_base's alternatives, decided the same way. The contraction comes
 * first, so an apostrophe starting `'s` is a contraction before it is a
 * prefix. L is only `\p{L}` here, so a mark is a plain P and Q character.
 * A letter starts `L+` (not in P); a number only `N{1,3}`; `\r` / `\n` only
 * whitespace; anything else is in P: before a letter it is the prefix of `L+`,
 * otherwise a symbol run when in Q (or a space before a code point in Q),
 * else whitespace.
 */
function scanCl100k(text: string, p: number): number {
  const c = contraction(text, p);
  if (c > 0) return p + c;
  const cp = codePointAt(text, p);
  const f = flagsOf(cp);
  if ((f & LETTER) !== 0) return runEnd(text, p, LETTER);
  if ((f & NUM) !== 0) return digits(text, p, 3);
  if (isNewline(cp)) return whitespace(text, p);
  const q = p + width(cp);
  if (q === text.length) return (f & SPACE) !== 0 ? whitespace(text, p) : q;
  const next = flagsOf(codePointAt(text, q));
  if ((next & LETTER) !== 0) return runEnd(text, q, LETTER);
  if ((f & SPACE) === 0) return symbols(text, p, false);
  return cp === 0x20 && (next & (SPACE | NUM)) === 0 ? symbols(text, p, false) : whitespace(text, p);
}

const O200K_PATTERN =
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** tekken's `config.pattern` as mistral-common ships it in tekken.json (already JS syntax). */
const TEKKEN_PATTERN =
  '[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';
const CL100K_PATTERN =
  "('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * The scanner for a pre-tokenizer pattern (JS syntax, flags `gu`, as
 * js-tiktoken and tekken.json write it), or undefined for a pattern it does
 * not implement (a changed rank file must not be scanned with the old rules).
 */
export function pieceScannerFor(pattern: string): PieceScanner | undefined {
  if (pattern === O200K_PATTERN) return scanO200k;
  if (pattern === CL100K_PATTERN) return scanCl100k;
  if (pattern === TEKKEN_PATTERN) return scanTekken;
  return undefined;
}
