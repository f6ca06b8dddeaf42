import { InvalidArgumentError } from '@ctxpack/block';
import { isWellFormed } from '@ctxpack/block/kernel';
import { MAX_JSON_DEPTH } from './canonicalize-json.js';
import { isExactNumber, numberToken } from './exact-number.js';
import { encodePieces, joinPieces, readStrictJsonNatively } from './native-strict-json.js';
import { ProvenanceError } from './provenance-error.js';
import { isStringifyPristine } from './stringify-pristine.js';

/** Longest JSON text {@link parseStrictJson} reads: UTF-16 code units of a string, or bytes. */
export const MAX_JSON_TEXT: number = 64 * 1024 * 1024;

// Characters that end a plain run inside a string: the quote, a backslash, a control character.
const stringSpecial = /["\\\u0000-\u001f]/g;
const escapes: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * One strict parser, two outputs: the value (`parseStrictJson`), or, with
 * `canonical`, the RFC 8785 text of that value built in the same pass
 * (`canonicalizeStrictJson`): each value returns its canonical spelling, an
 * object sorts its members, and a string without escapes is its own raw slice
 * of the input (raw JSON strings hold no control character, and quote and
 * backslash appear only escaped, which is exactly what JSON.stringify would
 * write) — so a verifier never builds the object tree just to hash it.
 */
class StrictJsonParser {
  private pos = 0;
  private readonly path: (string | number)[] = [];
  /** Set by `string()`: whether the last string had no escape (its raw slice is canonical). */
  private plain = false;

  constructor(
    private readonly text: string,
    private readonly canonical: boolean,
  ) {}

  parse(): unknown {
    this.skipSpace();
    const value = this.value(0);
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  private fail(message: string): never {
    let path = '(root)';
    if (this.path.length > 0) {
      path = '';
      for (const part of this.path)
        path += typeof part === 'number' ? `[${part}]` : path === '' ? part : `.${part}`;
    }
    throw new ProvenanceError({
      code: 'invalid_json_text',
      message: `${message} at offset ${this.pos}`,
      path,
    });
  }

  private skipSpace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.pos = pos;
  }

  private value(depth: number): unknown {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x22) return this.canonical ? this.canonicalString() : this.string();
    if (c === 0x7b) return this.object(depth + 1);
    if (c === 0x5b) return this.array(depth + 1);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const n = this.number();
      // RFC 8785 §3.2.2.3: the ECMAScript Number serialization (−0 is written 0).
      return this.canonical ? JSON.stringify(n) : n;
    }
    if (this.text.startsWith('true', this.pos)) return this.literal(4, true);
    if (this.text.startsWith('false', this.pos)) return this.literal(5, false);
    if (this.text.startsWith('null', this.pos)) return this.literal(4, null);
    return this.fail(this.pos >= this.text.length ? 'unexpected end of JSON' : 'not a JSON value');
  }

  private literal(length: number, value: boolean | null): boolean | null | string {
    this.pos += length;
    return this.canonical ? String(value) : value;
  }

  /** The canonical spelling of the string at `pos`: its raw slice when it had no escape. */
  private canonicalString(): string {
    const start = this.pos;
    const decoded = this.string();
    return this.plain ? this.text.slice(start, this.pos) : JSON.stringify(decoded);
  }

  private number(): number {
    numberToken.lastIndex = this.pos;
    const match = numberToken.exec(this.text);
    if (match === null) return this.fail('not a JSON number');
    const token = match[0];
    const value = Number(token);
    if (!isExactNumber(token, value)) {
      this.fail(
        `number ${token.slice(0, 40)} is not exactly representable (beyond ±(2^53−1) or more precise than a double)`,
      );
    }
    this.pos += token.length;
    return value;
  }

  private string(): string {
    const text = this.text;
    let start = this.pos + 1;
    let out = '';
    this.plain = true;
    for (;;) {
      stringSpecial.lastIndex = start;
      const match = stringSpecial.exec(text);
      if (match === null) {
        this.pos = text.length;
        return this.fail('unterminated string');
      }
      const at = match.index;
      out += text.slice(start, at);
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        this.pos = at + 1;
        break;
      }
      this.pos = at;
      if (c !== 0x5c) this.fail('control character in a string');
      this.plain = false;
      const e = text.charAt(at + 1);
      if (e === 'u') {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        start = at + 6;
      } else {
        const ch = escapes[e];
        if (ch === undefined || !Object.hasOwn(escapes, e)) this.fail('bad escape');
        out += ch;
        start = at + 2;
      }
    }
    // Raw or escaped, a lone surrogate has no UTF-8 form: parsers replace, keep or refuse it differently.
    if (!isWellFormed(out)) this.fail('string holds a lone surrogate');
    return out;
  }

  /** An object, or in canonical mode `{…}` with members sorted by their names' UTF-16 code units (RFC 8785 §3.2.3). */
  private object(depth: number): Record<string, unknown> | string {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    const canonical = this.canonical;
    const result: Record<string, unknown> = {};
    const members: { key: string; member: string }[] = [];
    const seen = new Set<string>();
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return canonical ? '{}' : result;
    }
    this.path.push('');
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a property name');
      const start = this.pos;
      const key = this.string();
      const name = canonical ? (this.plain ? this.text.slice(start, this.pos) : JSON.stringify(key)) : '';
      this.path[this.path.length - 1] = key.length > 80 ? `${key.slice(0, 80)}…` : key;
      // First-wins and last-wins parsers disagree on a repeated name: refuse it.
      if (seen.has(key)) this.fail(`duplicate key ${JSON.stringify(key.slice(0, 80))}`);
      seen.add(key);
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
      this.pos++;
      this.skipSpace();
      const value = this.value(depth);
      if (canonical) members.push({ key, member: `${name}:${value as string}` });
      // defineProperty, not assignment: a "__proto__" key is data, never the prototype.
      else
        Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x7d) break;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
      this.skipSpace();
    }
    this.path.pop();
    if (!canonical) return result;
    // Names are distinct (duplicates were refused), so the order is total.
    members.sort((x, y) => (x.key < y.key ? -1 : 1));
    // join, not +=: it writes one flat string, where += builds a rope that the hash's
    // TextEncoder would have to flatten piece by piece.
    const parts: string[] = [];
    for (const m of members) parts.push(m.member);
    return `{${parts.join(',')}}`;
  }

  /** An array, or in canonical mode `[…]`. */
  private array(depth: number): unknown[] | string {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    const result: unknown[] = [];
    const items: string[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return this.canonical ? '[]' : result;
    }
    this.path.push(0);
    for (let i = 0; ; i++) {
      this.path[this.path.length - 1] = i;
      const value = this.value(depth);
      if (this.canonical) items.push(value as string);
      else result.push(value);
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x5d) break;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
      this.skipSpace();
    }
    this.path.pop();
    return this.canonical ? `[${items.join(',')}]` : result;
  }
}

/**
 * Parses JSON text (a string, or UTF-8 bytes) the way no other conforming
 * parser can read differently, so that a digest of the result binds what
 * every downstream parser sees. Beyond RFC 8259 it refuses: a repeated
 * property name (first-wins and last-wins parsers disagree), a number beyond
 * ±(2^53−1) or more precise than a double, a lone surrogate (raw or
 * escaped), invalid UTF-8 or a byte-order mark, and nesting deeper than
 * MAX_JSON_DEPTH. Linear time: valid text goes through the engine's
 * `JSON.parse` with those checks around it (see native-strict-json.ts); text
 * it refuses, or that a check flags, is read again by the JS parser, which
 * names the error.
 *
 * @throws {ProvenanceError} `invalid_json_text`, with the JSON path and the offset in the message.
 * @throws {InvalidArgumentError} `invalid_argument` when `text` is neither a string nor bytes, or is over {@link MAX_JSON_TEXT}.
 * @example
 * parseStrictJson('{"a":1}'); // { a: 1 }
 * parseStrictJson('{"a":1,"a":2}'); // throws invalid_json_text (duplicate key "a")
 */
export function parseStrictJson(text: string | Uint8Array): unknown {
  const source = sourceOf(text);
  const fast = readStrictJsonNatively(source, false);
  return fast !== undefined ? fast.value : new StrictJsonParser(source, false).parse();
}

/**
 * The RFC 8785 canonical text of strict JSON text: equal to
 * `canonicalizeJson(parseStrictJson(text))`, refusing exactly what
 * {@link parseStrictJson} refuses. What a verifier hashes to check a request
 * digest over the body it received. Valid text is read by `JSON.parse` and
 * checked; its canonical text is the text itself, its own slices with members
 * put in order, or `canonicalizeJson` of the parsed value (native-strict-json.ts).
 * The JS parser, which builds the canonical text in the same pass, handles
 * the rest.
 *
 * @throws {ProvenanceError} `invalid_json_text`, as {@link parseStrictJson}.
 * @throws {InvalidArgumentError} `invalid_argument`, as {@link parseStrictJson}.
 * @example
 * canonicalizeStrictJson('{ "b": 1, "a": [true, 1e2] }'); // '{"a":[true,100],"b":1}'
 */
export function canonicalizeStrictJson(text: string | Uint8Array): string {
  const source = sourceOf(text);
  const fast = isStringifyPristine() ? readStrictJsonNatively(source, true) : undefined;
  return fast?.canonical !== undefined
    ? joinPieces(fast.canonical)
    : (new StrictJsonParser(source, true).parse() as string);
}

/**
 * The UTF-8 bytes of {@link canonicalizeStrictJson}'s result, without the
 * string in between: `text` itself when it is bytes already canonical, the
 * reordered slices encoded straight into one buffer, or the canonical text
 * encoded. Refuses what {@link parseStrictJson} refuses.
 */
export function canonicalStrictJsonBytes(text: string | Uint8Array): Uint8Array {
  const source = sourceOf(text);
  const fast = isStringifyPristine() ? readStrictJsonNatively(source, true) : undefined;
  if (fast?.canonical === undefined) {
    return utf8Encoder.encode(new StrictJsonParser(source, true).parse() as string);
  }
  // Bytes that decoded (fatally) to a canonical text are that text's UTF-8: hashed as received.
  if (fast.isText && text instanceof Uint8Array) return text;
  return encodePieces(fast.canonical);
}

const utf8Encoder = new TextEncoder();

/**
 * The JS parser alone, without the native fast path: what the fast path must
 * agree with, value for value and error for error. Internal (tests only).
 */
export function parseStrictJsonInJs(text: string | Uint8Array, canonical: boolean): unknown {
  return new StrictJsonParser(sourceOf(text), canonical).parse();
}

function sourceOf(text: string | Uint8Array): string {
  if ((typeof text !== 'string' && !(text instanceof Uint8Array)) || text.length > MAX_JSON_TEXT) {
    throw new InvalidArgumentError({
      path: 'text',
      expected: `JSON text: a string or UTF-8 bytes of at most ${MAX_JSON_TEXT}`,
      value: text,
    });
  }
  let source: string;
  if (typeof text === 'string') source = text;
  else {
    try {
      source = utf8.decode(text);
    } catch (cause) {
      throw new ProvenanceError({
        code: 'invalid_json_text',
        message: 'the bytes are not UTF-8',
        path: '(root)',
        cause,
      });
    }
  }
  if (source.charCodeAt(0) === 0xfeff) {
    throw new ProvenanceError({
      code: 'invalid_json_text',
      message: 'JSON text starts with a byte-order mark',
      path: '(root)',
    });
  }
  return source;
}
