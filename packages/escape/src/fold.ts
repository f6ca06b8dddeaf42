import { CONFUSABLE_ASCII_PACKED } from './confusables-data.js';

// Folding for MATCHING only (never for output): per code point, NFKD, drop
// combining marks, lowercase, then map a lookalike of an ASCII character to
// that character (UTS #39 confusables prototype). Folding per code point keeps
// an exact map back to the input, which whole-string NFKC would not.

let confusables: Map<number, string> | undefined;

function confusableTable(): Map<number, string> {
  if (confusables !== undefined) return confusables;
  const map = new Map<number, string>();
  for (const pair of CONFUSABLE_ASCII_PACKED.split(' ')) {
    const colon = pair.indexOf(':');
    map.set(Number.parseInt(pair.slice(0, colon), 16), pair.slice(colon + 1));
  }
  // confusables.txt maps vertical-bar lookalikes to `l`; for delimiter matching
  // they must fold to `|` (curated: ǀ ∣ ￨ │ ┃ ⏐ ❘ ︱ ׀ ⎸ ⎹).
  for (const cp of [0x01c0, 0x2223, 0xffe8, 0x2502, 0x2503, 0x23d0, 0x2758, 0xfe31, 0x05c0, 0x23b8, 0x23b9]) {
    map.set(cp, '|');
  }
  confusables = map;
  return map;
}

const MARK = /^\p{M}$/u;
const cache = new Map<number, string>();
const CACHE_LIMIT = 65_536;

/** The folded form of one code point: '' for combining marks and default-ignorables handled upstream. */
export function foldCodePoint(cp: number): string {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : String.fromCharCode(cp);
  const hit = cache.get(cp);
  if (hit !== undefined) return hit;
  const table = confusableTable();
  // Lowercase before the confusable look-up: the skeleton maps `I` and `l`
  // alike, while Cyrillic `І` lowercases to `і`, whose prototype is `i`.
  let out = cp === 0x01c0 || table.get(cp) === '|' ? '|' : undefined;
  if (out === undefined) {
    out = '';
    for (const c of String.fromCodePoint(cp).normalize('NFKD')) {
      if (MARK.test(c)) continue;
      const lower = c.toLowerCase();
      const c0 = lower.codePointAt(0)!;
      if (lower.length === 1 && c0 < 0x80) out += lower;
      else out += table.get(c0) ?? table.get(c.codePointAt(0)!) ?? lower;
    }
  }
  out = out.toLowerCase();
  if (cache.size < CACHE_LIMIT) cache.set(cp, out);
  return out;
}

/** Folds a whole string (for tokens and phrases). */
export function foldString(s: string): string {
  let out = '';
  for (const c of s) out += foldCodePoint(c.codePointAt(0)!);
  return out;
}

/** A folded view of a text with, for each folded code unit, the range of the source code point it came from. */
export interface FoldedText {
  text: string;
  /** `null` when the fold is the identity on offsets (ASCII input). */
  starts: Int32Array | null;
  ends: Int32Array | null;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

export function foldText(s: string): FoldedText {
  if (ASCII_ONLY.test(s)) return { text: s.toLowerCase(), starts: null, ends: null };
  // Code units go into a typed buffer (no per-character strings); NFKD can
  // expand one code point to 18 code units (U+FDFA), so buffers grow on demand.
  let units: Uint16Array = new Uint16Array(s.length + 16);
  let starts: Int32Array = new Int32Array(s.length + 16);
  let ends: Int32Array = new Int32Array(s.length + 16);
  let n = 0;
  for (let i = 0; i < s.length; ) {
    let cp = s.charCodeAt(i);
    if (cp < 0x80) {
      if (n + 1 > units.length) [units, starts, ends] = grow(units, starts, ends, n + 1);
      units[n] = cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
      starts[n] = i;
      ends[n] = i + 1;
      n++;
      i++;
      continue;
    }
    cp = s.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    const f = foldCodePoint(cp);
    if (n + f.length > units.length) [units, starts, ends] = grow(units, starts, ends, n + f.length);
    for (let k = 0; k < f.length; k++) {
      units[n] = f.charCodeAt(k);
      starts[n] = i;
      ends[n] = i + len;
      n++;
    }
    i += len;
  }
  const parts: string[] = [];
  for (let at = 0; at < n; at += 8192)
    parts.push(String.fromCharCode(...units.subarray(at, Math.min(n, at + 8192))));
  return { text: parts.join(''), starts, ends };
}

function grow(
  units: Uint16Array,
  starts: Int32Array,
  ends: Int32Array,
  need: number,
): [Uint16Array, Int32Array, Int32Array] {
  const size = Math.max(units.length * 2, need);
  const u = new Uint16Array(size);
  u.set(units);
  const st = new Int32Array(size);
  st.set(starts);
  const en = new Int32Array(size);
  en.set(ends);
  return [u, st, en];
}

/** Source range of folded range `[a, b)`. */
export function foldedToSource(f: FoldedText, a: number, b: number): [number, number] {
  if (f.starts === null || f.ends === null) return [a, b];
  return [f.starts[a]!, f.ends[b - 1]!];
}
