import { SPECIAL_TOKENS, toSkeleton } from '@ctxpack/escape';

// The fast path of the escape scan in model output: a few linear passes over a
// segment (native regex and indexOf scans; a bounded look-back per `[`, `:`
// and `=`) that PROVE `scan(segment, { detect: { injection: false,
// confusables: false, encoded: false } })` (invisible characters, special
// tokens and turn markers, secrets) can find nothing, so the call is skipped.
// It is a set of necessary conditions, one per detector; a segment meeting
// none cannot match any of them, a false alarm only costs the scan. Kept in
// sync with packages/escape/src (secrets.ts, special-tokens.ts,
// invisible-scan.ts); packages/ctxpack/test/scan-prefilter.test.ts checks that
// every segment the prefilter passes scans clean, on attack and random text.
//
// A code unit is one of:
// - printable ASCII, TAB, LF, CR: folds to its lowercase (escape's fold.ts);
// - an "inert" code point: a letter, number, punctuation or symbol that is not
//   default-ignorable (so not one escape's invisible scan judges: those are
//   Cc Cf Cs Co Cn, default-ignorables, variation selectors, Egyptian
//   hieroglyph marks), not white space (`\s` in secret patterns), and whose
//   fold (`toSkeleton`, the view tokens and turn markers are matched on) is
//   non-empty and holds no ASCII letter, digit, space or token delimiter
//   (`<>[]|/_:`) — `−` folds to `-` and stays inert. Such a character cannot
//   complete a token or a turn marker in the folded view; secret patterns and
//   their needles are matched on the raw text, where it is outside every
//   class the conditions below count;
// - anything else (controls, marks, spaces, lookalikes, lone surrogates…):
//   the segment is scanned.
//
// Then, on the ASCII characters:
// - `<`: every token shape and most literals (`<|…|>`, `<s>`, `<think>`…);
// - `[` followed by a `[`-literal (`[INST]`, `[TOOL_CALLS]`…, matched as
//   written, case-insensitive: the literals are ASCII);
// - `human`/`assistant` then `:` anywhere (the turn-marker rule needs them at a
//   line start);
// - secrets, per rule of secrets.ts: a prefix needle (`akia`, `ghp_`, `sk-`,
//   `eyj`…) together with a run of ≥ 11 `[A-Za-z0-9_-]` (the shortest key shape,
//   a JWT's `eyJ` + 8); `bearer`/`basic` with a run of ≥ 16 token68 characters;
//   `whsec_`, `hooks.slack.com`, `-----begin`; `://` with `@` (a password in a
//   connection string); a keyword of the assignment rule (`key`, `secret`,
//   `token`, `password`, `passwd`, `pwd`) with `:` or `=` and a run of ≥ 12
//   value characters.

/** `[`-literals of the registry, lowercase (all are ASCII). */
const BRACKET_TOKENS: readonly string[] = SPECIAL_TOKENS.map((t) => t.token.toLowerCase()).filter((t) =>
  t.startsWith('['),
);
const NOT_PLAIN = /[^\t\n\r\x20-\x3b\x3d-\x7e]/g;
/** A run of ≥ 11 `[A-Za-z0-9_-]` (the shortest key shape: a JWT's `eyJ` + 8). */
const LONG_WORD = /[A-Za-z0-9_-]{11}/;
/** A run of ≥ 16 token68 characters (the authorization rule's value). */
const LONG_TOKEN68 = /[A-Za-z0-9._~+/=-]{16}/;
/** A run of ≥ 12 of the assignment rule's value characters. */
const LONG_VALUE = /[A-Za-z0-9+/_.=~!@#$%^&*-]{12}/;
const AUTH_WORD = /(?:bearer|basic)[ \t]/i;
const PREFIX_NEEDLES =
  /akia|asia|abia|acca|gh[pousr]_|github_pat_|gl(?:pat|dt|ptt|rt|cbt|oas)-|xox|_live_|_test_|sk-|aiza|npm_|xapp-|gocspx-|ya29\.|sg\.|hf_|eyj/i;

/** ASCII a lookalike may fold to without forming a token or a turn marker: no letter, digit, space, `<>[]|/_:`. */
const HARMLESS_FOLDS = '!"#$%&\'()*+,-.;=?@\\^`{}~';
const INERT_CLASS = /^[\p{L}\p{N}\p{P}\p{S}]$/u;
const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
/** Per BMP code point: 0 not yet known, 1 inert, 2 not. */
const BMP_STATE = new Uint8Array(0x10000);
const astralState = new Map<number, boolean>();
const ASTRAL_CACHE_LIMIT = 4096;

function computeInert(cp: number): boolean {
  const ch = String.fromCodePoint(cp);
  if (!INERT_CLASS.test(ch) || IGNORABLE.test(ch)) return false;
  const folded = toSkeleton(ch);
  if (folded.length === 0) return false;
  for (let k = 0; k < folded.length; k++) {
    const c = folded.charCodeAt(k);
    if (c < 0x80 && !HARMLESS_FOLDS.includes(folded[k] as string)) return false;
  }
  return true;
}

/** Whether a non-ASCII code point is inert (see above); cached per code point. */
export function isInertCodePoint(cp: number): boolean {
  if (cp < 0x10000) {
    let st = BMP_STATE[cp]!;
    if (st === 0) {
      st = computeInert(cp) ? 1 : 2;
      BMP_STATE[cp] = st;
    }
    return st === 1;
  }
  const known = astralState.get(cp);
  if (known !== undefined) return known;
  const inert = computeInert(cp);
  if (astralState.size < ASTRAL_CACHE_LIMIT) astralState.set(cp, inert);
  return inert;
}

// [A-Za-z0-9_-] per ASCII code unit: the keyword run of the assignment rule.
const WORD = 1;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) if (/[A-Za-z0-9_-]/.test(String.fromCharCode(c))) ASCII_CLASS[c] = WORD;

function bracketTokenAt(text: string, at: number): boolean {
  for (const token of BRACKET_TOKENS) {
    if (at + token.length > text.length) continue;
    let k = 1;
    for (; k < token.length; k++) {
      let c = text.charCodeAt(at + k);
      if (c >= 0x41 && c <= 0x5a) c += 32;
      if (c !== token.charCodeAt(k)) break;
    }
    if (k === token.length) return true;
  }
  return false;
}

/** Whether `text[end - word.length, end)` is `word` (lowercase ASCII), case-insensitively. */
function endsWithWord(text: string, end: number, word: string): boolean {
  const from = end - word.length;
  if (from < 0) return false;
  for (let k = 0; k < word.length; k++) {
    let c = text.charCodeAt(from + k);
    if (c >= 0x41 && c <= 0x5a) c += 32;
    if (c !== word.charCodeAt(k)) return false;
  }
  return true;
}

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;

/** A turn marker `human`/`assistant` `[ \t]{0,4}` ending at the `:` at `i` (anywhere, not only at a line start). */
function roleWordBefore(text: string, i: number): boolean {
  for (let j = i, n = 0; n <= 4; j--, n++) {
    if (endsWithWord(text, j, 'human') || endsWithWord(text, j, 'assistant')) return true;
    if (!isBlank(text.charCodeAt(j - 1))) return false;
  }
  return false;
}

const KEYWORDS: readonly string[] = ['key', 'secret', 'token', 'password', 'passwd', 'pwd'];
const isAsciiSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * The assignment rule's left side before the `:` or `=` at `i`: a keyword,
 * `[a-z0-9_-]{0,20}`, an optional quote, `\s{0,4}`. The keyword lies in the
 * last 28 characters of the word run (8 + 20), so only those are read.
 */
function keywordBefore(text: string, i: number): boolean {
  let j = i;
  while (j > 0 && i - j <= 4 && isAsciiSpace(text.charCodeAt(j - 1))) j--;
  if (i - j > 4) return false;
  const q = text.charCodeAt(j - 1);
  if (q === 0x22 || q === 0x27) j--;
  let from = j;
  while (from > 0 && j - from < 28 && (ASCII_CLASS[text.charCodeAt(from - 1)]! & WORD) !== 0) from--;
  if (j - from < 3) return false;
  const left = text.slice(from, j).toLowerCase();
  for (const k of KEYWORDS) if (left.includes(k)) return true;
  return false;
}

/**
 * Whether the escape scan (invisible characters, special tokens, turn
 * markers, secrets) could find anything in `text`: false only when it
 * provably cannot. Linear in `text` (each look-back reads a bounded window).
 *
 * @example
 * needsEscapeScan('See [the report](https://docs.example.com/q3).'); // false
 * needsEscapeScan('key: sk-proj-4f9a8b7c6d5e4f3a2b1c');              // true
 */
export function needsEscapeScan(text: string): boolean {
  // One native pass finds every code unit that is not TAB/LF/CR or printable
  // ASCII other than `<`; only those are looked at one by one.
  NOT_PLAIN.lastIndex = 0;
  for (let m = NOT_PLAIN.exec(text); m !== null; m = NOT_PLAIN.exec(text)) {
    const i = m.index;
    const c = text.charCodeAt(i);
    if (c < 0x80) return true; // `<`, a C0 control or DEL
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
      cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
      NOT_PLAIN.lastIndex = i + 2;
    }
    if (!isInertCodePoint(cp)) return true;
  }
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) {
    if (bracketTokenAt(text, i)) return true;
  }
  let assignment = false;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    if (roleWordBefore(text, i)) return true;
    assignment ||= keywordBefore(text, i);
  }
  for (let i = text.indexOf('='); i !== -1 && !assignment; i = text.indexOf('=', i + 1)) {
    assignment = keywordBefore(text, i);
  }
  // Runs are of ASCII characters: a non-ASCII one (inert, by now) ends them, as in the patterns.
  if (assignment && LONG_VALUE.test(text)) return true;
  if (PREFIX_NEEDLES.test(text) && LONG_WORD.test(text)) return true;
  if (AUTH_WORD.test(text) && LONG_TOKEN68.test(text)) return true;
  if (text.includes('@') && text.includes('://')) return true;
  if (text.includes('whsec_') || text.includes('hooks.slack.com')) return true;
  return text.includes('-----BEGIN');
}
