import { isWellFormed } from '@ctxpack/block/kernel';
import { invalidArgument } from './assert-input.js';
import { ProvenanceError } from './provenance-error.js';
import { isStringifyPristine } from './stringify-pristine.js';

/** Nesting deeper than this is refused, so hostile input meets a typed error instead of a stack overflow. */
export const MAX_JSON_DEPTH: number = 512;

function fail(path: Path, message: string): never {
  throw new ProvenanceError({ code: 'invalid_json_value', message, path: formatJsonPath(path) });
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return typeof value;
}

/** The keys from the root to the value at hand; formatted only when an error names it. */
type Path = (string | number)[];

function formatJsonPath(path: Path): string {
  let out = '(root)';
  for (const key of path) {
    if (typeof key === 'number') out = `${out === '(root)' ? '' : out}[${key}]`;
    else {
      const part = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
      out = out === '(root)' ? part : `${out}.${part}`;
    }
  }
  return out;
}

function serializeString(value: string, path: Path): string {
  // RFC 8785 §3.2.2.2: strings must be valid Unicode (I-JSON, RFC 7493 §2.1).
  if (!isWellFormed(value)) fail(path, 'string contains a lone surrogate, which RFC 8785 cannot encode');
  // ECMAScript JSON.stringify escapes exactly the characters RFC 8785 requires, with lowercase hex.
  return JSON.stringify(value);
}

/** Receives the canonical text in order, chunk by chunk. */
export type JsonSink = (chunk: string) => void;

function serialize(value: unknown, path: Path, ancestors: Set<object>, emit: JsonSink): void {
  switch (typeof value) {
    case 'string':
      emit(serializeString(value, path));
      return;
    case 'boolean':
      emit(value ? 'true' : 'false');
      return;
    case 'number':
      // RFC 8785 §3.2.2.3: the ECMAScript Number serialization; NaN and Infinity have none.
      if (!Number.isFinite(value)) fail(path, `${value} is not a JSON number`);
      emit(JSON.stringify(value));
      return;
    case 'object':
      break;
    default:
      fail(path, `${typeof value} is not a JSON value`);
  }
  if (value === null) {
    emit('null');
    return;
  }
  if (path.length >= MAX_JSON_DEPTH) fail(path, `nesting is deeper than ${MAX_JSON_DEPTH}`);
  if (ancestors.has(value)) fail(path, 'cyclic reference');
  ancestors.add(value);
  if (Array.isArray(value)) {
    emit('[');
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      if (!(i in value)) fail(path, 'sparse array hole is not a JSON value');
      if (i > 0) emit(',');
      serialize(value[i], path, ancestors, emit);
      path.pop();
    }
    emit(']');
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      fail(path, `${describe(value)} is not a plain object; convert it to JSON data first`);
    }
    // RFC 8785 §3.2.3: sort property names by their UTF-16 code units, which is
    // exactly what the default Array.prototype.sort comparison does.
    const keys = Object.keys(value).sort();
    emit('{');
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      path.push(key);
      emit(`${i > 0 ? ',' : ''}${serializeString(key, path)}:`);
      serialize((value as Record<string, unknown>)[key], path, ancestors, emit);
      path.pop();
    }
    emit('}');
  }
  ancestors.delete(value);
}

/**
 * Streams the RFC 8785 form of `value` to `emit`, in order, without building
 * the whole string: a 10 MB request is hashed without a 10 MB copy of it.
 * Concatenating the chunks gives exactly {@link canonicalizeJson}'s output.
 *
 * @throws {ProvenanceError} as {@link canonicalizeJson}; chunks already emitted stay emitted.
 * InvalidArgumentError (`invalid_argument`) when `emit` is not a function.
 * @example
 * const chunks: string[] = [];
 * writeCanonicalJson({ b: 1, a: 2 }, (c) => chunks.push(c)); // chunks.join('') === '{"a":2,"b":1}'
 */
export function writeCanonicalJson(value: unknown, emit: JsonSink): void {
  // Checked before any work, so a bad sink is reported as such rather than as a TypeError mid-stream.
  if (typeof emit !== 'function') invalidArgument('emit', 'a function', emit);
  serialize(value, [], new Set(), emit);
}

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): one byte-exact string per JSON
 * value, whatever key order or whitespace the value arrived with. Values JSON
 * cannot hold are refused rather than silently dropped as JSON.stringify does.
 *
 * @throws {ProvenanceError} `invalid_json_value`, with the path, for undefined,
 * functions, symbols, BigInt, NaN/±Infinity, lone surrogates, cycles, sparse
 * arrays, non-plain objects (Date, Map, class instances) and nesting deeper
 * than {@link MAX_JSON_DEPTH}.
 * @example
 * canonicalizeJson({ b: 1, a: [true, null, 1e21] }); // '{"a":[true,null,1e+21],"b":1}'
 */
export function canonicalizeJson(value: unknown): string {
  // Plain JSON data (nearly every call) is put in RFC 8785 order and written by one JSON.stringify;
  // anything the fast walk is unsure of is written by the checked serializer, which names the error.
  if (isStringifyPristine()) {
    const ordered = orderForStringify(value, 0);
    if (ordered !== UNSURE) return JSON.stringify(ordered);
  }
  const parts: string[] = [];
  serialize(value, [], new Set(), (chunk) => parts.push(chunk));
  return parts.join('');
}

const UNSURE: unique symbol = Symbol('unsure');
const indexLike = /^[0-9]+$/;

/**
 * A copy of `value` with every object's names in RFC 8785 order, for one
 * `JSON.stringify`. Every container is copied, so what is written is exactly
 * what was checked: a getter or Proxy read once, never again. `UNSURE` for
 * anything JSON.stringify would write differently from {@link serialize} or
 * that it would refuse: a non-finite number, undefined, a function, symbol or
 * BigInt, a lone surrogate, a sparse array, a non-plain object, nesting at
 * the limit (so also every cycle), an index-like name (objects enumerate
 * those first, in numeric order) or `__proto__`.
 */
function orderForStringify(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return isWellFormed(value) ? value : UNSURE;
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : UNSURE;
    case 'object':
      break;
    default:
      return UNSURE;
  }
  if (value === null) return null;
  if (depth >= MAX_JSON_DEPTH) return UNSURE;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return UNSURE;
      const ordered = orderForStringify(value[i], depth + 1);
      if (ordered === UNSURE) return UNSURE;
      copy.push(ordered);
    }
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return UNSURE;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const c = key.charCodeAt(0);
    if ((c >= 0x30 && c <= 0x39 && indexLike.test(key)) || key === '__proto__' || !isWellFormed(key))
      return UNSURE;
    if (i > 0 && (keys[i - 1] as string) > key) sorted = false;
  }
  // RFC 8785 §3.2.3: names by UTF-16 code units, the default sort order.
  if (!sorted) keys.sort();
  const copy: Record<string, unknown> = Object.create(null);
  for (const key of keys) {
    const ordered = orderForStringify(record[key], depth + 1);
    if (ordered === UNSURE) return UNSURE;
    copy[key] = ordered;
  }
  return copy;
}
