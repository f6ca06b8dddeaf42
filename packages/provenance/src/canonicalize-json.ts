import { isWellFormed } from '@ctxpack/block/kernel';
import { invalidArgument } from './assert-input.js';
import { ProvenanceError } from './provenance-error.js';

/** Nesting deeper than this is refused, so hostile input meets a typed error instead of a stack overflow. */
export const MAX_JSON_DEPTH: number = 512;

function fail(path: string, message: string): never {
  throw new ProvenanceError({ code: 'invalid_json_value', message, path });
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return typeof value;
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path === '(root)' ? '' : path}[${key}]`;
  const part = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  return path === '(root)' ? part : `${path}.${part}`;
}

function serializeString(value: string, path: string): string {
  // RFC 8785 §3.2.2.2: strings must be valid Unicode (I-JSON, RFC 7493 §2.1).
  if (!isWellFormed(value)) fail(path, 'string contains a lone surrogate, which RFC 8785 cannot encode');
  // ECMAScript JSON.stringify escapes exactly the characters RFC 8785 requires, with lowercase hex.
  return JSON.stringify(value);
}

/** Receives the canonical text in order, chunk by chunk. */
export type JsonSink = (chunk: string) => void;

function serialize(
  value: unknown,
  path: string,
  depth: number,
  ancestors: Set<object>,
  emit: JsonSink,
): void {
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
  if (depth >= MAX_JSON_DEPTH) fail(path, `nesting is deeper than ${MAX_JSON_DEPTH}`);
  if (ancestors.has(value)) fail(path, 'cyclic reference');
  ancestors.add(value);
  if (Array.isArray(value)) {
    emit('[');
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) fail(childPath(path, i), 'sparse array hole is not a JSON value');
      if (i > 0) emit(',');
      serialize(value[i], childPath(path, i), depth + 1, ancestors, emit);
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
    keys.forEach((key, i) => {
      const keyPath = childPath(path, key);
      emit(`${i > 0 ? ',' : ''}${serializeString(key, keyPath)}:`);
      serialize((value as Record<string, unknown>)[key], keyPath, depth + 1, ancestors, emit);
    });
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
  serialize(value, '(root)', 0, new Set(), emit);
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
  const parts: string[] = [];
  serialize(value, '(root)', 0, new Set(), (chunk) => parts.push(chunk));
  return parts.join('');
}
