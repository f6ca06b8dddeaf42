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
// BMP folds, table-driven (filled on first use): 0 unknown, 1 one code unit
// (in FOLD_UNIT), 2 folds to nothing (a mark), 3 longer (in `cache`).
const FOLD_STATE = new Uint8Array(0x10000);
const FOLD_UNIT = new Uint16Array(0x10000);

function computeFold(cp: number): string {
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
  return out.toLowerCase();
}

/** Table state of a BMP code point (see FOLD_STATE), computing it on first use. */
function bmpFoldState(cp: number): number {
  let st = FOLD_STATE[cp]!;
  if (st !== 0) return st;
  const f = computeFold(cp);
  if (f.length === 1) {
    FOLD_UNIT[cp] = f.charCodeAt(0);
    st = 1;
  } else if (f === '') st = 2;
  else {
    cache.set(cp, f);
    st = 3;
  }
  FOLD_STATE[cp] = st;
  return st;
}

/** The folded form of one code point: '' for combining marks and default-ignorables handled upstream. */
export function foldCodePoint(cp: number): string {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : String.fromCharCode(cp);
  if (cp < 0x10000) {
    const st = bmpFoldState(cp);
    if (st === 1) return String.fromCharCode(FOLD_UNIT[cp]!);
    if (st === 2) return '';
    return cache.get(cp)!;
  }
  const hit = cache.get(cp);
  if (hit !== undefined) return hit;
  const out = computeFold(cp);
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

/** A UTF-16LE decoder when the platform is little-endian and supports one (WHATWG encodings; optional on edge runtimes). */
const UTF16: TextDecoder | undefined = (() => {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) return undefined;
  try {
    return new TextDecoder('utf-16le', { ignoreBOM: true });
  } catch {
    return undefined;
  }
})();

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
    if (cp < 0xd800 || (cp >= 0xe000 && cp < 0x10000)) {
      // Hot path: a BMP code point folding to one unit or to nothing.
      const st = bmpFoldState(cp);
      if (st === 1) {
        if (n + 1 > units.length) [units, starts, ends] = grow(units, starts, ends, n + 1);
        units[n] = FOLD_UNIT[cp]!;
        starts[n] = i;
        ends[n] = i + 1;
        n++;
        i++;
        continue;
      }
      if (st === 2) {
        i++;
        continue;
      }
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
  if (UTF16 !== undefined && typeof s.isWellFormed === 'function' && s.isWellFormed()) {
    // Folds of well-formed text are well-formed, so decoding the code units
    // as UTF-16 is exact (and ~4× faster than String.fromCharCode in chunks).
    return { text: UTF16.decode(units.subarray(0, n)), starts, ends };
  }
  const parts: string[] = [];
  for (let at = 0; at < n; at += 8192)
    // `apply` with the typed array itself: spreading it runs the iterator protocol, ~6× slower.
    parts.push(
      String.fromCharCode.apply(null, units.subarray(at, Math.min(n, at + 8192)) as unknown as number[]),
    );
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
