import { InvalidMcpInputError } from './invalid-mcp-input-error.js';
import { MCP_LIMITS } from './limits.js';

/** Where an instance fails its schema: the instance path and the keyword. */
export interface SchemaViolation {
  /** JSON-pointer-like path into the instance, e.g. `/items/2/name`; `` for the root. */
  instancePath: string;
  /** Path of the failing keyword in the schema, e.g. `/properties/items/items/required`. */
  schemaPath: string;
  message: string;
}

type Schema = boolean | Record<string, unknown>;

interface State {
  root: Schema;
  steps: number;
}

/**
 * Validates `value` against a tool's `outputSchema` (JSON Schema 2020-12, with
 * draft-07 `items` arrays and `definitions` understood). Only local `$ref`s
 * (`#`, `#/$defs/…`, JSON pointers) are followed — a network `$ref` is never
 * fetched (MCP 2026-07-28, `$ref` resolution) and is a typed error. Work is
 * bounded: composition (`allOf`/`anyOf`/`oneOf`/`not`/`if`) and `$ref`
 * recursion count against {@link MCP_LIMITS}`.maxSchemaSteps`, nesting against
 * `maxDefinitionDepth`. `pattern`, `patternProperties` and `format` are not
 * evaluated: a server-supplied regular expression is not guaranteed
 * linear-time.
 *
 * @returns the first violation, or `undefined` when `value` conforms.
 * @throws {InvalidMcpInputError} when the schema is malformed, refers over the network, or exceeds the bounds.
 * @example
 * validateJsonSchema({ type: 'object', required: ['t'] }, {}); // { instancePath: '', schemaPath: '/required', … }
 */
export function validateJsonSchema(schema: unknown, value: unknown): SchemaViolation | undefined {
  if (typeof schema !== 'boolean' && !isRecord(schema)) {
    throw schemaError('outputSchema', 'expected a JSON Schema (an object or a boolean)', schema);
  }
  const state: State = { root: schema, steps: 0 };
  return check(schema, value, '', '', 0, state);
}

function check(
  schema: Schema,
  value: unknown,
  instancePath: string,
  schemaPath: string,
  depth: number,
  state: State,
): SchemaViolation | undefined {
  state.steps++;
  if (state.steps > MCP_LIMITS.maxSchemaSteps) {
    throw schemaError(
      `outputSchema${schemaPath}`,
      `validation needs more than MCP_LIMITS.maxSchemaSteps = ${MCP_LIMITS.maxSchemaSteps} steps (composition or $ref recursion too large)`,
      state.steps,
    );
  }
  if (depth > MCP_LIMITS.maxDefinitionDepth) {
    throw schemaError(
      `outputSchema${schemaPath}`,
      `nested more than MCP_LIMITS.maxDefinitionDepth = ${MCP_LIMITS.maxDefinitionDepth} deep`,
      depth,
    );
  }
  const fail = (keyword: string, message: string): SchemaViolation => ({
    instancePath,
    schemaPath: `${schemaPath}/${keyword}`,
    message,
  });
  if (schema === true) return undefined;
  if (schema === false) return { instancePath, schemaPath, message: 'no value is allowed here' };
  const sub = (key: string, s: unknown, v: unknown, ip: string, sp: string) => {
    if (typeof s !== 'boolean' && !isRecord(s)) {
      throw schemaError(`outputSchema${sp}`, `${key} must be a schema`, s);
    }
    return check(s, v, ip, sp, depth + 1, state);
  };

  const ref = schema['$ref'];
  if (ref !== undefined) {
    const target = resolveRef(ref, state.root, `${schemaPath}/$ref`);
    const violation = sub('$ref', target, value, instancePath, `${schemaPath}/$ref`);
    if (violation) return violation;
  }

  const type = schema['type'];
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    if (!types.some((t) => matchesType(t, value))) {
      return fail('type', `expected ${types.join(' or ')}, got ${jsonType(value)}`);
    }
  }
  if (Array.isArray(schema['enum']) && !schema['enum'].some((e) => sameValue(e, value))) {
    return fail('enum', 'not one of the allowed values');
  }
  if (Object.hasOwn(schema, 'const') && !sameValue(schema['const'], value)) {
    return fail('const', 'not the required constant');
  }

  if (typeof value === 'number') {
    const n = value;
    const num = (k: string) => (typeof schema[k] === 'number' ? (schema[k] as number) : undefined);
    const minimum = num('minimum');
    const maximum = num('maximum');
    const exclusiveMinimum = num('exclusiveMinimum');
    const exclusiveMaximum = num('exclusiveMaximum');
    const multipleOf = num('multipleOf');
    if (minimum !== undefined && n < minimum) return fail('minimum', `less than ${minimum}`);
    if (maximum !== undefined && n > maximum) return fail('maximum', `greater than ${maximum}`);
    if (exclusiveMinimum !== undefined && n <= exclusiveMinimum)
      return fail('exclusiveMinimum', `not greater than ${exclusiveMinimum}`);
    if (exclusiveMaximum !== undefined && n >= exclusiveMaximum)
      return fail('exclusiveMaximum', `not less than ${exclusiveMaximum}`);
    if (multipleOf !== undefined && multipleOf > 0 && !Number.isInteger(n / multipleOf))
      return fail('multipleOf', `not a multiple of ${multipleOf}`);
  }
  if (typeof value === 'string') {
    const length = countCodePoints(value);
    if (typeof schema['minLength'] === 'number' && length < schema['minLength'])
      return fail('minLength', `shorter than ${schema['minLength']}`);
    if (typeof schema['maxLength'] === 'number' && length > schema['maxLength'])
      return fail('maxLength', `longer than ${schema['maxLength']}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems'])
      return fail('minItems', `fewer than ${schema['minItems']} items`);
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems'])
      return fail('maxItems', `more than ${schema['maxItems']} items`);
    const prefix = Array.isArray(schema['prefixItems'])
      ? schema['prefixItems']
      : Array.isArray(schema['items'])
        ? schema['items']
        : [];
    const prefixKey = Array.isArray(schema['prefixItems']) ? 'prefixItems' : 'items';
    for (let i = 0; i < Math.min(prefix.length, value.length); i++) {
      const v = sub(
        prefixKey,
        prefix[i],
        value[i],
        `${instancePath}/${i}`,
        `${schemaPath}/${prefixKey}/${i}`,
      );
      if (v) return v;
    }
    const rest = Array.isArray(schema['items']) ? schema['additionalItems'] : schema['items'];
    const restKey = Array.isArray(schema['items']) ? 'additionalItems' : 'items';
    if (rest !== undefined) {
      for (let i = prefix.length; i < value.length; i++) {
        const v = sub(restKey, rest, value[i], `${instancePath}/${i}`, `${schemaPath}/${restKey}`);
        if (v) return v;
      }
    }
    if (schema['uniqueItems'] === true) {
      const seen = new Set<string>();
      for (const item of value) {
        const key = stableKey(item);
        if (seen.has(key)) return fail('uniqueItems', 'items are not unique');
        seen.add(key);
      }
    }
  }
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (Array.isArray(schema['required'])) {
      for (const key of schema['required']) {
        if (typeof key === 'string' && !Object.hasOwn(value, key)) {
          return fail('required', `missing the required property ${JSON.stringify(key)}`);
        }
      }
    }
    if (typeof schema['minProperties'] === 'number' && keys.length < schema['minProperties'])
      return fail('minProperties', `fewer than ${schema['minProperties']} properties`);
    if (typeof schema['maxProperties'] === 'number' && keys.length > schema['maxProperties'])
      return fail('maxProperties', `more than ${schema['maxProperties']} properties`);
    const properties = isRecord(schema['properties']) ? schema['properties'] : {};
    for (const key of keys) {
      const ip = `${instancePath}/${escapePointer(key)}`;
      if (Object.hasOwn(properties, key)) {
        const v = sub(
          'properties',
          properties[key],
          value[key],
          ip,
          `${schemaPath}/properties/${escapePointer(key)}`,
        );
        if (v) return v;
      } else if (schema['additionalProperties'] !== undefined && !isRecord(schema['patternProperties'])) {
        const v = sub(
          'additionalProperties',
          schema['additionalProperties'],
          value[key],
          ip,
          `${schemaPath}/additionalProperties`,
        );
        if (v) return v;
      }
    }
  }

  if (Array.isArray(schema['allOf'])) {
    for (let i = 0; i < schema['allOf'].length; i++) {
      const v = sub('allOf', schema['allOf'][i], value, instancePath, `${schemaPath}/allOf/${i}`);
      if (v) return v;
    }
  }
  if (Array.isArray(schema['anyOf'])) {
    const options = schema['anyOf'];
    let ok = false;
    for (let i = 0; i < options.length && !ok; i++) {
      ok = sub('anyOf', options[i], value, instancePath, `${schemaPath}/anyOf/${i}`) === undefined;
    }
    if (!ok) return fail('anyOf', 'matches none of the anyOf schemas');
  }
  if (Array.isArray(schema['oneOf'])) {
    let matches = 0;
    for (let i = 0; i < schema['oneOf'].length; i++) {
      if (sub('oneOf', schema['oneOf'][i], value, instancePath, `${schemaPath}/oneOf/${i}`) === undefined)
        matches++;
    }
    if (matches !== 1) return fail('oneOf', `matches ${matches} of the oneOf schemas, not exactly one`);
  }
  if (schema['not'] !== undefined) {
    if (sub('not', schema['not'], value, instancePath, `${schemaPath}/not`) === undefined) {
      return fail('not', 'matches the schema under not');
    }
  }
  if (schema['if'] !== undefined) {
    const holds = sub('if', schema['if'], value, instancePath, `${schemaPath}/if`) === undefined;
    const branch = holds ? 'then' : 'else';
    if (schema[branch] !== undefined) {
      const v = sub(branch, schema[branch], value, instancePath, `${schemaPath}/${branch}`);
      if (v) return v;
    }
  }
  return undefined;
}

/** A local reference: `#`, `#/json/pointer`, or `#anchor` via `$anchor`. Anything else would need a fetch. */
function resolveRef(ref: unknown, root: Schema, path: string): unknown {
  if (typeof ref !== 'string') throw schemaError(`outputSchema${path}`, 'expected a string', ref);
  if (!ref.startsWith('#')) {
    throw schemaError(
      `outputSchema${path}`,
      `refers outside the schema (${JSON.stringify(ref.slice(0, 200))}); network $refs are never dereferenced`,
      ref,
    );
  }
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return findAnchor(root, ref.slice(1), path);
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node) && /^\d{1,9}$/.test(key)) node = node[Number(key)];
    else if (isRecord(node) && Object.hasOwn(node, key)) node = node[key];
    else throw schemaError(`outputSchema${path}`, `no schema at ${JSON.stringify(ref.slice(0, 200))}`, ref);
  }
  return node;
}

function findAnchor(root: Schema, anchor: string, path: string): unknown {
  const stack: unknown[] = [root];
  let visited = 0;
  while (stack.length > 0 && visited < MCP_LIMITS.maxDefinitionNodes) {
    const node = stack.pop();
    visited++;
    if (isRecord(node)) {
      if (node['$anchor'] === anchor) return node;
      for (const child of Object.values(node)) stack.push(child);
    } else if (Array.isArray(node)) {
      for (const child of node) stack.push(child);
    }
  }
  throw schemaError(`outputSchema${path}`, `no $anchor ${JSON.stringify(anchor.slice(0, 200))}`, anchor);
}

function matchesType(type: unknown, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value);
    default:
      return false;
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return stableKey(a) === stableKey(b);
}

// Key order does not matter for JSON equality: objects are compared with sorted keys.
function stableKey(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i > 0 ? ',' : ''}${stableKey(value[i])}`;
    return `${out}]`;
  }
  if (isRecord(value)) {
    let out = '{';
    let first = true;
    for (const key of Object.keys(value).sort()) {
      out += `${first ? '' : ','}${JSON.stringify(key)}:${stableKey(value[key])}`;
      first = false;
    }
    return `${out}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function countCodePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || (text.charCodeAt(i - 1) & 0xfc00) !== 0xd800) n++;
  }
  return n;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemaError(path: string, message: string, value: unknown): InvalidMcpInputError {
  return new InvalidMcpInputError({ path, message, value });
}
