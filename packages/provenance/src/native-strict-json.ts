import { isWellFormed } from '@ctxpack/block/kernel';
import { MAX_JSON_DEPTH } from './canonicalize-json.js';
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
 * With `canonical`, the value is also put in RFC 8785 order in place (objects
 * whose names are out of order are replaced by sorted null-prototype copies),
 * so `JSON.stringify` of it is the canonical text; `canonicalText` is the
 * text itself when it already is (the form ctxpack's own senders put on the
 * wire), which spares a verifier the rewrite. Names that are array
 * indices are left to the JS parser: an object enumerates them first, in
 * numeric order, which no insertion order can change.
 */
export function readStrictJsonNatively(
  text: string,
  canonical: boolean,
): { value: unknown; canonicalText: string | undefined } | undefined {
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
    spelledCanonically: canonical,
    bail: false,
  };
  const visited = visit(value, 0, state);
  if (state.bail || !scanText(text, state) || state.textMembers !== state.members) return undefined;
  return { value: visited, canonicalText: state.spelledCanonically ? text : undefined };
}

/** Whether `JSON.stringify` writes plain data as RFC 8785 does: no `toJSON` planted on a prototype. */
export function isStringifyPristine(): boolean {
  return (
    !('toJSON' in Object.prototype) &&
    !('toJSON' in Array.prototype) &&
    !('toJSON' in String.prototype) &&
    !('toJSON' in Number.prototype) &&
    !('toJSON' in Boolean.prototype)
  );
}

interface VisitState {
  /** Members of the parsed value's objects. */
  members: number;
  /** Members the text spells (its colons outside strings). */
  textMembers: number;
  canonical: boolean;
  /** Canonical mode: no reordering was needed and the text has RFC 8785's spelling so far. */
  spelledCanonically: boolean;
  bail: boolean;
}

const arrayIndexLike = /^[0-9]+$/;

function visit(value: unknown, depth: number, state: VisitState): unknown {
  if (typeof value === 'string') {
    if (!isWellFormed(value)) state.bail = true;
    return value;
  }
  if (typeof value !== 'object' || value === null || state.bail) return value;
  // The JS parser refuses a container at depth MAX_JSON_DEPTH + 1 (the root container is depth 1).
  if (depth >= MAX_JSON_DEPTH) {
    state.bail = true;
    return value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === 'object' && item !== null) value[i] = visit(item, depth + 1, state);
      else if (typeof item === 'string' && !isWellFormed(item)) state.bail = true;
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  state.members += keys.length;
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (!isWellFormed(key)) state.bail = true;
    if (state.canonical) {
      const c = key.charCodeAt(0);
      // `__proto__` would need defineProperty on every write below; index-like names cannot be ordered.
      if ((c >= 0x30 && c <= 0x39 && arrayIndexLike.test(key)) || key === '__proto__') state.bail = true;
      // Names are distinct (checked by the member count), so `>` is a strict order.
      else if (i > 0 && (keys[i - 1] as string) > key) sorted = false;
    }
    const item = record[key];
    if (typeof item === 'object' && item !== null) {
      const next = visit(item, depth + 1, state);
      if (next !== item) record[key] = next;
    } else if (typeof item === 'string' && !isWellFormed(item)) state.bail = true;
  }
  if (sorted || state.bail) return record;
  state.spelledCanonically = false;
  // RFC 8785 §3.2.3: names sorted by UTF-16 code units, the default sort order.
  const copy: Record<string, unknown> = Object.create(null);
  for (const key of keys.sort()) copy[key] = record[key];
  return copy;
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
      let quote = pos;
      for (;;) {
        quote = text.indexOf('"', quote + 1);
        if (quote < 0) return false;
        let before = quote - 1;
        while (text.charCodeAt(before) === 0x5c) before--;
        if ((quote - 1 - before) % 2 === 0) break;
      }
      if (state.spelledCanonically) {
        backslash = checkEscapes(text, backslash, quote);
        if (backslash === -2) state.spelledCanonically = false;
      }
      pos = quote + 1;
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
