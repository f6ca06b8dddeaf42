// The clean-text fast path of `sanitize` with every detector on: one linear
// char-code scan that PROVES no detector can produce a finding, so the input
// can be returned as it is. Each condition below is a necessary condition of
// some detector; a text that meets none of them cannot match any of them.
// False alarms only cost the full path. The conditions (keep in sync with the
// detectors; test/fast-path.test.ts checks the two paths agree):
//
// - any code unit outside TAB/LF/CR + printable ASCII: every invisible,
//   control, smuggling, confusable and non-ASCII token case;
// - `<` `[` `]`: special tokens, pseudo tags, markdown/HTML images and links;
//   `%`: URL-encoded blobs; `=`: secret assignments; `_`: the `gh*_`,
//   `sk_live_`, `npm_`, `hf_`, `github_pat_` prefixes and `aws_secret…`;
// - 15 or more of `[A-Za-z0-9+/-]` in a row: base64/hex blobs (≥24) and every
//   key shape without `_` (Slack ≥15, AWS 20, OpenAI ≥23, GitLab ≥26, Google 39);
//   five `-` in a row: PEM armour; `eyJ`: a JWT;
// - `:` after a word that a colon-bearing rule needs (turn markers, role
//   lines, new-instructions, secret assignments) or before `//` (URLs with
//   credentials, Slack webhooks);
// - a word that fires on its own (`curl`, `wget`), or two consecutive words that every match of an
//   injection rule contains (`you` `are`, `act` `as`, `ignore` `previous`,
//   `the` `instructions`, …), also in ROT13 (the encoded re-scan).
//
// Words are maximal runs of ASCII letters, lowercased; "consecutive" means
// nothing but non-letters between them, a superset of each rule's separator.
// The word lists come from injection-words.ts, the rules' own source.

import {
  ABOVE_ENDS,
  ABOVE_FILLERS,
  ABOVE_LINKS,
  ABOVE_VERBS,
  ACT_VERBS,
  CALL_CUES,
  CALL_LINKS,
  CALL_VERBS,
  CONCEAL_NEGATIONS,
  CONCEAL_VERBS,
  DOWNLOADERS,
  gerunds,
  MODE_NAMES,
  NEW_ADJECTIVES,
  NEW_OBJECTS,
  OVERRIDE_QUALIFIERS,
  OVERRIDE_VERBS,
  REVEAL_ENDINGS,
  USER_MODALS,
} from './injection-words.js';

/** [first words, second words]: every match of an injection rule contains one such pair. */
const PAIRS: readonly (readonly [readonly string[], readonly string[]])[] = [
  // ignore-previous: verb then one of its qualifiers.
  [OVERRIDE_VERBS, OVERRIDE_QUALIFIERS],
  [ABOVE_VERBS, [...ABOVE_FILLERS, ...ABOVE_LINKS, 'the', ...ABOVE_ENDS]],
  [NEW_ADJECTIVES, ['system', ...NEW_OBJECTS]],
  [['you'], ['are']],
  [ACT_VERBS, ['as']],
  [MODE_NAMES, ['mode']],
  // reveal-prompt: its final phrase.
  ...REVEAL_ENDINGS,
  [[...CALL_CUES, 'must'], CALL_VERBS],
  // call-tool.
  [['tool', 'function'], CALL_LINKS],
  // do-not-tell (`don't` reads as `don` `t`).
  [
    [...CONCEAL_NEGATIONS, 'not', 'dont', 'don', 't'],
    [...CONCEAL_VERBS, ...gerunds(CONCEAL_VERBS)],
  ],
  // keep-secret.
  [['keep'], ['this', 'it']],
  [['user'], USER_MODALS],
];

/**
 * Words that fire alone: pipe-to-shell (its `|` and `sh` may be far away), and
 * `bearer` (an authorization value may be split by `.` into runs shorter than RUN_LIMIT).
 */
const ALONE = [...DOWNLOADERS, 'bearer'];

function rot13(word: string): string {
  return word.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));
}

// 28-bit multiplicative hash: `h * 31 + c` stays an exact small integer (no Math.imul on the hot path).
const HASH_MASK = 0xfffffff;

function hashWord(word: string): number {
  let h = 0;
  for (let i = 0; i < word.length; i++) h = (h * 31 + word.charCodeAt(i)) & HASH_MASK;
  return h;
}

// Open-addressing table from a word's hash to a small id (0 = not a word of
// interest). A hash collision only makes a prose word look interesting: a
// false alarm, never a missed finding.
const TABLE_BITS = 12;
const TABLE_MASK = (1 << TABLE_BITS) - 1;
const tableKeys = new Int32Array(1 << TABLE_BITS);
const tableIds = new Uint16Array(1 << TABLE_BITS);
const ids = new Map<string, number>();

function idOf(word: string): number {
  let id = ids.get(word);
  if (id !== undefined) return id;
  id = ids.size + 1;
  ids.set(word, id);
  const h = hashWord(word);
  // The scan reads a zero hash as "no word"; no table word may hash to zero.
  if (h === 0) throw new Error(`plain-text: "${word}" hashes to 0`);
  let slot = h & TABLE_MASK;
  while (tableIds[slot] !== 0 && tableKeys[slot] !== h) slot = (slot + 1) & TABLE_MASK;
  tableKeys[slot] = h;
  if (tableIds[slot] === 0) tableIds[slot] = id;
  return id;
}

const pairList: [number, number][] = [];
const aloneList: number[] = [];
for (const variant of [(w: string) => w, rot13]) {
  for (const [firsts, seconds] of PAIRS) {
    for (const a of firsts) for (const b of seconds) pairList.push([idOf(variant(a)), idOf(variant(b))]);
  }
  for (const w of ALONE) aloneList.push(idOf(variant(w)));
}
const WORDS = ids.size + 1;
const PAIR = new Uint8Array(WORDS * WORDS);
for (const [a, b] of pairList) PAIR[a * WORDS + b] = 1;
const FIRE = new Uint8Array(WORDS);
for (const a of aloneList) FIRE[a] = 1;

function lookup(h: number): number {
  let slot = h & TABLE_MASK;
  for (let id = tableIds[slot]!; id !== 0; id = tableIds[slot]!) {
    if (tableKeys[slot] === h) return id;
    slot = (slot + 1) & TABLE_MASK;
  }
  return 0;
}

// Character classes of the scan. Lowercase letters (the hot path) extend the
// word hash and the run; everything else goes through `slow`.
const LOWER = 1;
const UPPER = 2;
const RUN_ONLY = 3; // digits, `+`, `/`
const DASH = 4;
const COLON = 5;
const STOP = 6; // proves nothing: controls, `<` `[` `]` `%` `=` `_`, uppercase `J` handled apart
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 0x61 && c <= 0x7a) CLASS[c] = LOWER;
  else if (c >= 0x41 && c <= 0x5a) CLASS[c] = UPPER;
  else if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f) CLASS[c] = RUN_ONLY;
  else if (c === 0x2d) CLASS[c] = DASH;
  else if (c === 0x3a) CLASS[c] = COLON;
  else if (
    (c < 0x20 && c !== 9 && c !== 10 && c !== 13) ||
    c === 0x7f ||
    '<[]%=_'.includes(String.fromCharCode(c))
  )
    CLASS[c] = STOP;
}

const RUN_LIMIT = 15;
const DASH_LIMIT = 5;
/** What a colon-bearing rule can have right before its `:` (checked on ≤48 characters before it). */
const BEFORE_COLON =
  /(?:(?:api|apikey|secret|token|access|client|auth|authorization|private|password|passwd|pwd|human|assistant|system|developer|admin|prompt|message|note|override)[a-z0-9_-]{0,20}["']?\s{0,4}|(?:instructions?|directives?|rules|system|developer|admin)[\s_*\-"'`~.]{0,6})$/i;

function colonMatters(text: string, i: number): boolean {
  if (text.charCodeAt(i + 1) === 0x2f && text.charCodeAt(i + 2) === 0x2f) return true;
  return BEFORE_COLON.test(text.slice(Math.max(0, i - 48), i));
}

const CHUNK = 65_536;
const encoder = new TextEncoder();
const bytes = new Uint8Array(CHUNK);

/**
 * True when no detector of the default configuration (invisible characters,
 * special tokens, turn markers, confusables, injection heuristics with the
 * encoded re-scan, secrets) can produce a finding on `text`. Linear, one pass.
 * The text is read as bytes, a chunk at a time: `encodeInto` is native and
 * also proves a chunk ASCII (as many bytes as code units), and a byte loop
 * runs ~3× faster than `charCodeAt` on sliced strings.
 *
 * A deliberate hot loop (cognitive complexity above 40): every byte of clean
 * text passes through it, and splitting the branches into functions costs a
 * call per byte, which is the 2× budget against a one-regex strip.
 */
export function isProvablyClean(text: string): boolean {
  let h = 0; // hash of the current word (0: between words)
  let prev = 0; // id of the previous word
  let runStart = 0; // start of the current run of [A-Za-z0-9+/-]
  let dashes = 0;
  for (let at = 0; at < text.length; at += CHUNK) {
    const part = text.length <= CHUNK ? text : text.substring(at, at + CHUNK);
    const { read, written } = encoder.encodeInto(part, bytes);
    if (read !== part.length || written !== part.length) return false;
    for (let j = 0; j < written; j++) {
      const c = bytes[j]!;
      // Hot paths first: lowercase letters, then spaces.
      if (c >= 0x61 && c <= 0x7a) {
        h = (h * 31 + c) & HASH_MASK;
        continue;
      }
      const i = at + j;
      if (h !== 0) {
        if (c >= 0x41 && c <= 0x5a) {
          // `eyJ` opens every JWT.
          if (c === 0x4a && text.charCodeAt(i - 1) === 0x79 && text.charCodeAt(i - 2) === 0x65) return false;
          h = (h * 31 + (c | 0x20)) & HASH_MASK;
          continue;
        }
        const id = lookup(h);
        if (id !== 0 && (FIRE[id] === 1 || PAIR[prev * WORDS + id] === 1)) return false;
        prev = id;
        h = 0;
      }
      if (c === 0x20) {
        if (i - runStart >= RUN_LIMIT) return false;
        runStart = i + 1;
        continue;
      }
      const k = CLASS[c]!;
      if (k === UPPER) {
        h = c | 0x20;
        continue;
      }
      if (k === RUN_ONLY) continue;
      if (k === DASH) {
        dashes = text.charCodeAt(i - 1) === 0x2d ? dashes + 1 : 1;
        if (dashes >= DASH_LIMIT) return false;
        continue;
      }
      if (i - runStart >= RUN_LIMIT) return false;
      runStart = i + 1;
      if (k === STOP) return false;
      if (k === COLON && colonMatters(text, i)) return false;
    }
  }
  if (text.length - runStart >= RUN_LIMIT) return false;
  if (h !== 0) {
    const id = lookup(h);
    if (id !== 0 && (FIRE[id] === 1 || PAIR[prev * WORDS + id] === 1)) return false;
  }
  return true;
}
