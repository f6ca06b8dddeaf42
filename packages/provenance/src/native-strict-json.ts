import { isWellFormed } from '@ctxpack/block/kernel';
import { canonicalizeJson, MAX_JSON_DEPTH } from './canonicalize-json.js';
import { isExactNumber, numberToken } from './exact-number.js';

/**
 * The strict reading of JSON text through the engine's own `JSON.parse`, or
 * `undefined` when the text is outside the fast path and the JS parser must
 * decide (and name the error). `JSON.parse` reads the RFC 8259 grammar
 * exactly; what strictness adds is checked around it:
 *
 * - repeated names: `JSON.parse` keeps the last, so the members it kept are
 *   counted against the colons outside strings in the text (in valid JSON
 *   every such colon separates one member);
 * - numbers: each number token of the text is checked for exactness, as the
 *   JS parser does;
 * - lone surrogates, raw or escaped, and the nesting limit: on the value.
 *
 * With `canonical`, `canonical` is the RFC 8785 text, built the cheapest
 * way the spelling allows: the text itself when it already is canonical; its
 * own slices with members put in order when only the order differs (what
 * `JSON.stringify` of any object writes, so what SDKs send); else
 * `canonicalizeJson` of the parsed value. Names that are array indices are left
 * to the JS parser: an object enumerates them first, in numeric order, which
 * no insertion order can change.
 */
export function readStrictJsonNatively(text: string, canonical: boolean): NativeReading | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const state: VisitState = {
    members: 0,
    textMembers: -1,
    canonical,
    ordered: true,
    spelledCanonically: canonical,
    bail: false,
  };
  visit(value, 0, state);
  if (state.bail || !scanText(text, state) || state.textMembers !== state.members) return undefined;
  if (!canonical) return { value, canonical: undefined, isText: false };
  if (state.spelledCanonically && state.ordered) return { value, canonical: text, isText: true };
  const pieces = state.spelledCanonically ? reorderedPieces(text) : undefined;
  return { value, canonical: pieces ?? canonicalizeJson(value), isText: false };
}

/** The canonical text in pieces, in order: a string, or a list of pieces. */
export type Piece = string | Piece[];

/** What {@link readStrictJsonNatively} read. */
export interface NativeReading {
  value: unknown;
  /** Canonical mode: the RFC 8785 text, in pieces. */
  canonical: Piece | undefined;
  /** Whether `canonical` is the text as given (already canonical). */
  isText: boolean;
}

/** The pieces joined: one copy. */
export function joinPieces(piece: Piece): string {
  if (typeof piece === 'string') return piece;
  const out: string[] = [];
  const collect = (p: Piece): void => {
    if (typeof p === 'string') out.push(p);
    else for (const q of p) collect(q);
  };
  collect(piece);
  return out.join('');
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of the pieces, encoded straight into one buffer (no joined string in between). */
export function encodePieces(piece: Piece): Uint8Array {
  if (typeof piece === 'string') return encoder.encode(piece);
  let units = 0;
  const count = (p: Piece): void => {
    if (typeof p === 'string') units += p.length;
    else for (const q of p) count(q);
  };
  count(piece);
  // A UTF-16 unit takes at most 3 bytes of UTF-8 (a surrogate pair, 2 units, takes 4).
  const out = new Uint8Array(units * 3);
  let at = 0;
  const write = (p: Piece): void => {
    if (typeof p === 'string') at += encoder.encodeInto(p, out.subarray(at)).written;
    else for (const q of p) write(q);
  };
  write(piece);
  return out.subarray(0, at);
}

interface VisitState {
  /** Members of the parsed value's objects. */
  members: number;
  /** Members the text spells (its colons outside strings). */
  textMembers: number;
  canonical: boolean;
  /** Canonical mode: every object's names are in RFC 8785 order. */
  ordered: boolean;
  /** Canonical mode: no whitespace, and numbers and escapes as RFC 8785 writes them (so far). */
  spelledCanonically: boolean;
  bail: boolean;
}

const arrayIndexLike = /^[0-9]+$/;

function visit(value: unknown, depth: number, state: VisitState): void {
  if (typeof value === 'string' && !isWellFormed(value)) state.bail = true;
  if (typeof value !== 'object' || value === null || state.bail) return;
  // The JS parser refuses a container at depth MAX_JSON_DEPTH + 1 (the root container is depth 1).
  if (depth >= MAX_JSON_DEPTH) {
    state.bail = true;
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'object' && item !== null) visit(item, depth + 1, state);
      else if (typeof item === 'string' && !isWellFormed(item)) state.bail = true;
    }
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  state.members += keys.length;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (!isWellFormed(key)) state.bail = true;
    if (state.canonical) {
      const c = key.charCodeAt(0);
      // Index-like names cannot be put in order; a `__proto__` copy would need defineProperty.
      if ((c >= 0x30 && c <= 0x39 && arrayIndexLike.test(key)) || key === '__proto__') state.bail = true;
      // Names are distinct (checked by the member count), so `>` is a strict order.
      else if (i > 0 && (keys[i - 1] as string) > key) state.ordered = false;
    }
    const item = record[key];
    if (typeof item === 'object' && item !== null) visit(item, depth + 1, state);
    else if (typeof item === 'string' && !isWellFormed(item)) state.bail = true;
  }
}

/** The index after the string that opens at `at` (valid JSON: a closing quote exists). */
function endOfString(text: string, at: number): number {
  let quote = at;
  for (;;) {
    quote = text.indexOf('"', quote + 1);
    if (quote < 0) return text.length;
    let before = quote - 1;
    while (text.charCodeAt(before) === 0x5c) before--;
    if ((quote - 1 - before) % 2 === 0) return quote + 1;
  }
}

/**
 * The canonical text of strict JSON spelled as RFC 8785 writes it but for
 * member order: the same slices, each object's members sorted by name, as
 * pieces. Only structure is walked (strings are skipped by `indexOf`), so the
 * cost is the token count; the pieces are copied once, by whoever joins or
 * encodes them. `undefined` when a name holds an escape (its slice is not the
 * name to sort by): `JSON.stringify` handles that rare case.
 */
export function reorderedPieces(text: string): Piece | undefined {
  let pos = 0;
  let escapedName = false;
  /** Steps over an opening bracket; true (and past the closing one) when `close` follows at once. */
  const isEmpty = (close: number): boolean => {
    pos++;
    if (text.charCodeAt(pos) !== close) return false;
    pos++;
    return true;
  };
  const value = (): Piece => {
    const c = text.charCodeAt(pos);
    if (c === 0x7b) return object();
    if (c === 0x5b) return array();
    const start = pos;
    if (c === 0x22) pos = endOfString(text, pos);
    else {
      // A number or literal runs to the next delimiter (no whitespace in this spelling).
      for (;;) {
        const d = text.charCodeAt(pos);
        if (d === 0x2c || d === 0x5d || d === 0x7d || Number.isNaN(d)) break;
        pos++;
      }
    }
    return text.slice(start, pos);
  };
  const array = (): Piece => {
    const start = pos;
    if (isEmpty(0x5d)) return '[]';
    const items: Piece[] = ['['];
    let plain = true;
    for (;;) {
      const item = value();
      if (typeof item !== 'string') plain = false;
      items.push(item);
      const c = text.charCodeAt(pos++);
      if (c !== 0x2c) break;
      items.push(',');
    }
    // Nothing inside moved: the array is its own slice.
    if (plain) return text.slice(start, pos);
    items.push(']');
    return items;
  };
  const object = (): Piece => {
    const start = pos;
    if (isEmpty(0x7d)) return '{}';
    const members: { name: string; pieces: Piece[] }[] = [];
    let ordered = true;
    let plain = true;
    for (;;) {
      const nameStart = pos;
      pos = endOfString(text, pos);
      const name = text.slice(nameStart + 1, pos - 1);
      if (name.includes('\\')) escapedName = true;
      pos++; // ':'
      const head = text.slice(nameStart, pos);
      const item = value();
      if (typeof item !== 'string') plain = false;
      const last = members[members.length - 1];
      if (last !== undefined && last.name > name) ordered = false;
      members.push({ name, pieces: [head, item] });
      const c = text.charCodeAt(pos++);
      if (c !== 0x2c) break;
    }
    if (ordered && plain) return text.slice(start, pos);
    if (!ordered) members.sort((x, y) => (x.name < y.name ? -1 : 1));
    const out: Piece[] = ['{'];
    for (let i = 0; i < members.length; i++) {
      if (i > 0) out.push(',');
      out.push((members[i] as { pieces: Piece[] }).pieces);
    }
    out.push('}');
    return out;
  };
  const out = value();
  return escapedName ? undefined : out;
}

/** {@link reorderedPieces} joined. */
export function reorderMembers(text: string): string | undefined {
  const pieces = reorderedPieces(text);
  return pieces === undefined ? undefined : joinPieces(pieces);
}

/**
 * Reads valid JSON text once, outside its strings: counts the colons (one per
 * object member), checks every number token for exactness, and, with
 * `canonical`, whether the text is already spelled as RFC 8785 writes it (no
 * whitespace, numbers as ECMAScript prints them, only the escapes
 * `JSON.stringify` uses). Returns false when a number is not exact. Strings
 * are skipped with `indexOf`: a quote ends one when an even number of
 * backslashes precede it. Linear: each backslash run is read once, by the
 * quote right after it, and once more by the escape check.
 */
function scanText(text: string, state: VisitState): boolean {
  let members = 0;
  let pos = 0;
  const end = text.length;
  let backslash = state.spelledCanonically ? text.indexOf('\\') : -1;
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c === 0x22) {
      const after = endOfString(text, pos);
      const quote = after - 1;
      if (state.spelledCanonically) {
        backslash = checkEscapes(text, backslash, quote);
        if (backslash === -2) state.spelledCanonically = false;
      }
      pos = after;
    } else if (c === 0x3a) {
      members++;
      pos++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      numberToken.lastIndex = pos;
      const token = numberToken.exec(text)?.[0];
      if (token === undefined) return false;
      const value = Number(token);
      if (!isExactNumber(token, value)) return false;
      // RFC 8785 §3.2.2.3 spelling; JSON.stringify writes −0 as 0.
      if (state.spelledCanonically && token !== JSON.stringify(value)) state.spelledCanonically = false;
      pos += token.length;
    } else {
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) state.spelledCanonically = false;
      pos++;
    }
  }
  state.textMembers = members;
  return true;
}

// The control characters JSON.stringify writes as a two-character escape.
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

/**
 * Checks the escapes of one string body `text[from, to)` of valid JSON, from
 * `backslash` (the first backslash at or after `from`, or −1): whether each
 * is one JSON.stringify writes — `\"`, `\\`, `\b \f \n \r \t`, or
 * lowercase `\u00xx` for another control character. Returns the first
 * backslash after the string (strings come in order, so the text is searched
 * once in all), or −2 on an escape JSON.stringify would not write. A raw
 * character never needs one here: raw control characters are not valid JSON
 * and lone surrogates were refused on the value.
 */
function checkEscapes(text: string, backslash: number, to: number): number {
  let at = backslash;
  while (at >= 0 && at < to) {
    const e = text.charCodeAt(at + 1);
    if (e === 0x75) {
      const hex = text.slice(at + 2, at + 6);
      const code = Number.parseInt(hex, 16);
      if (code >= 0x20 || SHORT_ESCAPES.has(code) || hex !== hex.toLowerCase()) return -2;
      at = text.indexOf('\\', at + 6);
    } else {
      // '"', '\\', b f n r t are canonical; '/' is not (JSON.stringify leaves it bare).
      if (e === 0x2f) return -2;
      at = text.indexOf('\\', at + 2);
    }
  }
  return at;
}
