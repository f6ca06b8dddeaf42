import type { BlockSource, ContextBlock, TruncationStrategy } from '@ctxpack/block';
import { createBlock, InvalidArgumentError } from '@ctxpack/block';
import { decodeBase64Loose, encodeHex, isRecord } from '@ctxpack/block/kernel';
import { canonicalizeJson, digestContent } from '@ctxpack/provenance';
import { InvalidMcpInputError } from './invalid-mcp-input-error.js';
import { MCP_LIMITS } from './limits.js';
import { McpInputRequiredError } from './mcp-input-required-error.js';
import { validateJsonSchema } from './validate-json-schema.js';

/** Where a tool result came from, and how its blocks should be budgeted. */
export interface ToolResultOptions {
  tenant: string;
  /** MCP server name (from configuration, not from the server's own claims). */
  server: string;
  tool: string;
  /** Pairs the result with its tool call; a random id when left out. */
  callId?: string;
  /** Timestamp of the blocks; default now. */
  now?: Date;
  priority?: number;
  truncate?: TruncationStrategy;
  labels?: readonly string[];
  /**
   * `structuredContent` as a JSON part: `auto` (default) adds it unless a text
   * part already mirrors it (see the mirror rule in the README), `always`, or `never`.
   */
  structuredContent?: 'auto' | 'always' | 'never';
  /**
   * The tool's `outputSchema` from `tools/list`. When given, a successful
   * result must carry `structuredContent` that conforms to it (bounded
   * validation; network `$ref`s are never fetched).
   */
  outputSchema?: unknown;
}

/** The label every block of an `isError` result carries. */
export const TOOL_ERROR_LABEL = 'tool-error';

type Part = Record<string, unknown>;

/** Where one content part sits in the block's content, and what it was. */
export interface ToolResultPart {
  /**
   * `text`, `image`, `audio`, `resource`, `resource_link`, `ui-resource`, `tool_use`,
   * `tool_result`, `structured`, `error`, `empty`, or `unsupported`.
   */
  type: string;
  /** `[start, end)` in the block content, UTF-16 code units (`start === end` for an omitted part). */
  start: number;
  end: number;
  mimeType?: string;
  uri?: string;
  bytes?: number;
  digest?: string;
  /** `user-audience`: the part's `annotations.audience` leaves out the assistant, so the model never sees it. */
  omitted?: 'user-audience';
}

/** Between parts in the block content. */
export const PART_SEPARATOR = '\n\n';

/**
 * Turns an MCP `CallToolResult` into ONE `tool-result` block — one result per
 * tool call, as every provider API pairs them — whose content is the parts in
 * order, separated by a blank line: text as is, embedded text resources,
 * resource links, `structuredContent` as canonical JSON, and images, audio
 * and binary resources as a described placeholder (MIME type, size, digest),
 * never raw base64. `meta.mcp.parts` records each part's type and range. The
 * block is `untrusted`, carries the server, tool, call id and time, and the
 * group `call:<callId>` it shares with its tool call. An `isError` result
 * carries the label `tool-error` and `meta.mcp.isError`.
 *
 * Every result shape of MCP 2025-06-18, 2025-11-25 and 2026-07-28 is read
 * structurally: `structuredContent` may be any JSON value and is validated
 * against `options.outputSchema` when given; parts whose
 * `annotations.audience` leaves out the assistant are kept out of the block;
 * `resource_link`s and `ui://` resources stay references (never fetched or
 * inlined); sampling-era `tool_use`/`tool_result` parts are rendered; the
 * result's `_meta` is recorded in `meta.mcp.resultMeta` as provenance, never
 * as trust; the pre-2025 `{ toolResult }` compatibility shape becomes a
 * structured part.
 *
 * @throws {McpInputRequiredError} on an `input_required` result (it hands the requests back).
 * @throws {InvalidMcpInputError} when `result` is not a CallToolResult (`{}`, a `{ task }` handle, an unknown
 *   `resultType`), fails its `outputSchema`, or exceeds {@link MCP_LIMITS}.
 * @example
 * const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Paris' } });
 * ctx.add(toolResultToBlock(result, { tenant: 'acme', server: 'weather', tool: 'get_weather', callId: 'call_1' }));
 */
export function toolResultToBlock(result: unknown, options: ToolResultOptions): ContextBlock {
  if (!isRecord(options)) {
    throw new InvalidArgumentError({
      path: 'options',
      expected: 'an object with tenant, server and tool',
      value: options,
    });
  }
  if (!isRecord(result)) fail('(result)', 'expected an object with a `content` array', result);
  checkResultType(result);
  const compat = result['content'] === undefined && Object.hasOwn(result, 'toolResult');
  if (result['content'] === undefined && !compat) {
    if (isRecord(result['task'])) {
      fail(
        'task',
        'a task handle (CreateTaskResult), not a tool result: fetch the result with tasks/result',
        result['task'],
      );
    }
    fail('content', 'missing: a CallToolResult has a `content` array', result);
  }
  const content = compat ? [] : result['content'];
  if (!Array.isArray(content)) fail('content', 'expected an array', content);
  if (content.length > MCP_LIMITS.maxContentParts) {
    fail(
      'content',
      `has ${content.length} parts; the limit is MCP_LIMITS.maxContentParts = ${MCP_LIMITS.maxContentParts}`,
      content.length,
    );
  }
  if (result['isError'] !== undefined && typeof result['isError'] !== 'boolean') {
    fail('isError', 'expected a boolean', result['isError']);
  }
  const isError = result['isError'] === true;
  const callId = options.callId ?? randomCallId();

  const converted: Converted[] = [];
  const texts: string[] = [];
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    const path = `content[${index}]`;
    if (!isRecord(part)) fail(path, 'expected a content object', part);
    const c = convertPart(part, path, 0);
    if (c.meta.type === 'text' && c.meta.omitted === undefined) texts.push(c.text);
    converted.push(c);
  }
  const structured = compat ? result['toolResult'] : result['structuredContent'];
  const structuredPath = compat ? 'toolResult' : 'structuredContent';
  if (structured !== undefined) {
    const json = canonical(structured, structuredPath);
    if (options.outputSchema !== undefined && !isError) {
      const violation = validateJsonSchema(options.outputSchema, structured);
      if (violation !== undefined) {
        fail(
          `structuredContent${violation.instancePath.replaceAll('/', '.')}`,
          `does not conform to the tool's outputSchema (${violation.schemaPath}: ${violation.message})`,
        );
      }
    }
    if (options.structuredContent !== 'never') {
      const mirrored = isMirror(structured, json, texts, content);
      if (options.structuredContent === 'always' || !mirrored) {
        converted.push({ text: json, meta: { type: 'structured', mimeType: 'application/json' } });
      }
    }
  } else if (options.outputSchema !== undefined && !isError) {
    fail(
      'structuredContent',
      'missing: the tool declares an outputSchema, so its result must carry structuredContent',
    );
  }
  const shown = converted.filter((c) => c.meta.omitted === undefined);
  if (shown.length === 0) {
    const text = isError
      ? '[the tool reported an error without any content]'
      : converted.length > 0
        ? '[the tool returned content for the user only]'
        : '[the tool returned no content]';
    converted.push({ text, meta: { type: isError ? 'error' : 'empty' } });
  }

  let text = '';
  let count = 0;
  const parts: ToolResultPart[] = [];
  for (const c of converted) {
    if (c.meta.omitted !== undefined) {
      parts.push({ ...c.meta, start: text.length, end: text.length });
      continue;
    }
    if (count > 0) text += PART_SEPARATOR;
    count++;
    parts.push({ ...c.meta, start: text.length, end: text.length + c.text.length });
    text += c.text;
  }
  const uris = new Set<string>();
  for (const p of parts) if (p.uri !== undefined && p.omitted === undefined) uris.add(p.uri);
  const source: BlockSource = { type: 'mcp', server: options.server, tool: options.tool, callId };
  if (uris.size === 1) source.uri = [...uris][0] as string;
  return createBlock({
    kind: 'tool-result',
    trust: 'untrusted',
    tenant: options.tenant,
    content: text,
    source,
    createdAt: (options.now ?? new Date()).toISOString(),
    group: `call:${callId}`,
    labels: [...(options.labels ?? []), ...(isError ? [TOOL_ERROR_LABEL] : [])],
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(options.truncate === undefined ? {} : { truncate: options.truncate }),
    meta: {
      mcp: {
        parts,
        ...(isError ? { isError: true } : {}),
        ...(compat ? { compatibility: 'toolResult' } : {}),
        ...resultMeta(result['_meta']),
      },
    },
  });
}

/** `resultType` (2026-07-28): absent or `complete` is a result; `input_required` hands requests back. */
function checkResultType(result: Part): void {
  const type = result['resultType'];
  if (type === undefined || type === 'complete') return;
  if (type === 'input_required') {
    const requests = result['inputRequests'];
    const state = result['requestState'];
    if (requests !== undefined && !isRecord(requests)) fail('inputRequests', 'expected an object', requests);
    if (state !== undefined && typeof state !== 'string') fail('requestState', 'expected a string', state);
    if (requests === undefined && state === undefined) {
      fail('(result)', 'an input_required result needs inputRequests or requestState', result);
    }
    throw new McpInputRequiredError({ inputRequests: requests ?? {}, requestState: state });
  }
  fail(
    'resultType',
    `expected "complete" or "input_required", got ${JSON.stringify(String(type).slice(0, 64))}`,
    type,
  );
}

// `_meta` is the server's own claim: recorded for provenance (bounded), never read as trust.
function resultMeta(meta: unknown): Record<string, unknown> {
  if (meta === undefined) return {};
  if (!isRecord(meta)) fail('_meta', 'expected an object', meta);
  const json = canonical(meta, '_meta');
  const digest = digestContent(json);
  return json.length <= MCP_LIMITS.maxMetaChars
    ? { resultMeta: JSON.parse(json), resultMetaDigest: digest }
    : { resultMetaDigest: digest };
}

interface Converted {
  text: string;
  meta: Omit<ToolResultPart, 'start' | 'end'>;
}

function convertPart(part: Part, path: string, depth: number): Converted {
  const converted = convertKnownPart(part, path, depth);
  if (forUserOnly(part, path)) converted.meta = { ...converted.meta, omitted: 'user-audience' };
  return converted;
}

/** `annotations.audience` without `assistant` (e.g. `["user"]`): content for the person, not the model. */
function forUserOnly(part: Part, path: string): boolean {
  const annotations = part['annotations'];
  if (annotations === undefined) return false;
  if (!isRecord(annotations)) fail(`${path}.annotations`, 'expected an object', annotations);
  const audience = annotations['audience'];
  if (audience === undefined) return false;
  if (!Array.isArray(audience) || !audience.every((a) => typeof a === 'string')) {
    fail(`${path}.annotations.audience`, 'expected an array of roles', audience);
  }
  return audience.length > 0 && !audience.includes('assistant');
}

function convertKnownPart(part: Part, path: string, depth: number): Converted {
  const type = part['type'];
  switch (type) {
    case 'text':
      return { text: str(part, 'text', path), meta: { type } };
    case 'image':
    case 'audio': {
      const mimeType = str(part, 'mimeType', path);
      const { bytes, digest } = describeBase64(str(part, 'data', path), `${path}.data`);
      return {
        text: `[${type} omitted: ${mimeType}, ${bytes} bytes, ${digest}]`,
        meta: { type, mimeType, bytes, digest },
      };
    }
    case 'resource_link': {
      const uri = str(part, 'uri', path);
      const name = optionalStr(part, 'name', path);
      const mimeType = optionalStr(part, 'mimeType', path);
      const description = optionalStr(part, 'description', path);
      const label = [name, mimeType === undefined ? undefined : `(${mimeType})`].filter(
        (s) => s !== undefined,
      );
      const text = `[resource link: ${uri}${label.length > 0 ? ` ${label.join(' ')}` : ''}]${
        description === undefined ? '' : `\n${description}`
      }`;
      return { text, meta: { type, uri, ...(mimeType === undefined ? {} : { mimeType }) } };
    }
    case 'resource': {
      const resource = part['resource'];
      const rpath = `${path}.resource`;
      if (!isRecord(resource)) fail(rpath, 'expected an object', resource);
      const uri = str(resource, 'uri', rpath);
      const mimeType = optionalStr(resource, 'mimeType', rpath);
      const mime = mimeType === undefined ? {} : { mimeType };
      const textValue = resource['text'];
      if (textValue !== undefined && typeof textValue !== 'string') {
        fail(`${rpath}.text`, 'expected a string', textValue);
      }
      // A `ui://` resource is an app for the host to render (HTML, scripts), not text for the model.
      if (uri.toLowerCase().startsWith('ui://')) {
        const { bytes, digest } =
          textValue === undefined
            ? describeBase64(str(resource, 'blob', rpath), `${rpath}.blob`)
            : describeText(textValue);
        return {
          text: `[UI resource omitted: ${uri}, ${mimeType ?? 'text/html'}, ${bytes} bytes, ${digest}]`,
          meta: { type: 'ui-resource', uri, ...mime, bytes, digest },
        };
      }
      if (textValue !== undefined) return { text: textValue, meta: { type, uri, ...mime } };
      const { bytes, digest } = describeBase64(str(resource, 'blob', rpath), `${rpath}.blob`);
      return {
        text: `[embedded resource omitted: ${uri}, ${mimeType ?? 'application/octet-stream'}, ${bytes} bytes, ${digest}]`,
        meta: { type, uri, ...mime, bytes, digest },
      };
    }
    case 'tool_use': {
      const name = str(part, 'name', path);
      const id = str(part, 'id', path);
      const input = part['input'];
      if (!isRecord(input)) fail(`${path}.input`, 'expected an object', input);
      return {
        text: `[tool use ${JSON.stringify(name)} ${JSON.stringify(id)}] ${canonical(input, `${path}.input`)}`,
        meta: { type },
      };
    }
    case 'tool_result': {
      const toolUseId = str(part, 'toolUseId', path);
      if (depth > 0) fail(path, 'a tool_result inside a tool_result', part);
      const nested = part['content'];
      if (!Array.isArray(nested)) fail(`${path}.content`, 'expected an array', nested);
      if (nested.length > MCP_LIMITS.maxContentParts) {
        fail(
          `${path}.content`,
          `has ${nested.length} parts; the limit is MCP_LIMITS.maxContentParts`,
          nested.length,
        );
      }
      let text = `[tool result for ${JSON.stringify(toolUseId)}${part['isError'] === true ? ', an error' : ''}]`;
      for (let i = 0; i < nested.length; i++) {
        const child: unknown = nested[i];
        const cpath = `${path}.content[${i}]`;
        if (!isRecord(child)) fail(cpath, 'expected a content object', child);
        const c = convertPart(child, cpath, depth + 1);
        if (c.meta.omitted === undefined) text += `\n${c.text}`;
      }
      if (part['structuredContent'] !== undefined) {
        text += `\n${canonical(part['structuredContent'], `${path}.structuredContent`)}`;
      }
      return { text, meta: { type } };
    }
    default: {
      // A content type newer than this adapter: keep a visible trace rather than drop it silently.
      const name = typeof type === 'string' ? type.slice(0, 64) : typeof type;
      return {
        text: `[unsupported MCP content type ${JSON.stringify(name)}]`,
        meta: { type: 'unsupported' },
      };
    }
  }
}

function describeBase64(data: string, path: string): { bytes: number; digest: string } {
  if (data.length > MCP_LIMITS.maxBinaryChars)
    fail(
      path,
      `has ${data.length} base64 characters; the limit is MCP_LIMITS.maxBinaryChars = ${MCP_LIMITS.maxBinaryChars}`,
      data.length,
    );
  // Read, never signed: the forgiving decoder (padding optional, stray bits ignored) is enough.
  const bytes = decodeBase64Loose(data);
  if (bytes === undefined) fail(path, 'not base64', data.slice(0, 32));
  return { bytes: bytes.length, digest: digestContent(bytes) };
}

function describeText(text: string): { bytes: number; digest: string } {
  const bytes = new TextEncoder().encode(text);
  return { bytes: bytes.length, digest: digestContent(bytes) };
}

function canonical(value: unknown, path: string): string {
  try {
    return canonicalizeJson(value);
  } catch (cause) {
    fail(path, cause instanceof Error ? cause.message : 'not JSON data', undefined, cause);
  }
}

/**
 * Whether the text parts already carry `structuredContent` (servers SHOULD
 * mirror it there): a text part that parses to the same JSON in any
 * formatting or key order; a string equal to a text part or to the text
 * parts joined by newlines; or — the documented tolerance, as
 * server-filesystem sends it — an object with one property whose value is
 * that text, or is the `content` array itself.
 */
function isMirror(
  structured: unknown,
  json: string,
  texts: readonly string[],
  content: readonly unknown[],
): boolean {
  const joined = texts.join('\n');
  for (const text of texts) if (sameJson(text, json)) return true;
  if (typeof structured === 'string') return texts.includes(structured) || structured === joined;
  if (!isRecord(structured)) return false;
  const keys = Object.keys(structured);
  if (keys.length !== 1) return false;
  const only = structured[keys[0] as string];
  if (typeof only === 'string') return texts.length > 0 && (texts.includes(only) || only === joined);
  return (
    Array.isArray(only) && content.length > 0 && sameJson(canonicalOrEmpty(content), canonicalOrEmpty(only))
  );
}

function canonicalOrEmpty(value: unknown): string {
  try {
    return canonicalizeJson(value);
  } catch {
    return '';
  }
}

function sameJson(text: string, json: string): boolean {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > json.length * 4 + 1024) return false;
  try {
    return canonicalizeJson(JSON.parse(trimmed)) === json;
  } catch {
    return false;
  }
}

function str(record: Part, key: string, path: string): string {
  const value = record[key];
  if (typeof value !== 'string') fail(`${path}.${key}`, 'expected a string', value);
  return value;
}

function optionalStr(record: Part, key: string, path: string): string | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`${path}.${key}`, 'expected a string', value);
  return value;
}

function randomCallId(): string {
  const bytes = new Uint8Array(9);
  globalThis.crypto.getRandomValues(bytes);
  return `mcp_${encodeHex(bytes)}`;
}

function fail(path: string, message: string, value?: unknown, cause?: unknown): never {
  throw new InvalidMcpInputError({ path, message, value, ...(cause === undefined ? {} : { cause }) });
}
