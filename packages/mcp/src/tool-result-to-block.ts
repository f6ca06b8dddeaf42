import type { BlockSource, ContextBlock, TruncationStrategy } from '@ctxpack/block';
import { createBlock } from '@ctxpack/block';
import { canonicalizeJson, digestContent } from '@ctxpack/provenance';
import { InvalidMcpInputError } from './invalid-mcp-input-error.js';
import { MCP_LIMITS } from './limits.js';

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
   * `structuredContent` as a JSON block: `auto` (default) adds it unless a text
   * part already carries the same JSON (servers SHOULD mirror it there),
   * `always`, or `never`.
   */
  structuredContent?: 'auto' | 'always' | 'never';
}

/** The label every block of an `isError` result carries. */
export const TOOL_ERROR_LABEL = 'tool-error';

type Part = Record<string, unknown>;

/** Where one content part sits in the block's content, and what it was. */
export interface ToolResultPart {
  /** `text`, `image`, `audio`, `resource`, `resource_link`, `structured`, or `unsupported`. */
  type: string;
  /** `[start, end)` in the block content, UTF-16 code units. */
  start: number;
  end: number;
  mimeType?: string;
  uri?: string;
  bytes?: number;
  digest?: string;
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
 * @throws {InvalidMcpInputError} when `result` is not a CallToolResult or exceeds {@link MCP_LIMITS}.
 * @example
 * const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Paris' } });
 * ctx.add(toolResultToBlock(result, { tenant: 'acme', server: 'weather', tool: 'get_weather', callId: 'call_1' }));
 */
export function toolResultToBlock(result: unknown, options: ToolResultOptions): ContextBlock {
  if (!isRecord(options)) fail('options', 'expected an object with tenant, server and tool', options);
  if (!isRecord(result)) fail('(result)', 'expected an object with a `content` array', result);
  const content = result['content'] ?? [];
  if (!Array.isArray(content)) fail('content', 'expected an array', content);
  if (content.length > MCP_LIMITS.maxContentParts) {
    fail(
      'content',
      `has ${content.length} parts; the limit is MCP_LIMITS.maxContentParts = ${MCP_LIMITS.maxContentParts}`,
      content.length,
    );
  }
  const isError = result['isError'] === true;
  const callId = options.callId ?? randomCallId();

  const converted: Converted[] = [];
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    const path = `content[${index}]`;
    if (!isRecord(part)) fail(path, 'expected a content object', part);
    converted.push(convertPart(part, path));
  }
  const structured = result['structuredContent'];
  if (structured !== undefined && options.structuredContent !== 'never') {
    if (!isRecord(structured)) fail('structuredContent', 'expected a JSON object', structured);
    const json = canonical(structured, 'structuredContent');
    const mirrored = converted.some((c) => c.meta.type === 'text' && sameJson(c.text, json));
    if (options.structuredContent === 'always' || !mirrored) {
      converted.push({ text: json, meta: { type: 'structured', mimeType: 'application/json' } });
    }
  }
  if (converted.length === 0 && isError) {
    converted.push({ text: '[the tool reported an error without any content]', meta: { type: 'error' } });
  }

  let text = '';
  const parts: ToolResultPart[] = [];
  for (const c of converted) {
    if (parts.length > 0) text += PART_SEPARATOR;
    parts.push({ ...c.meta, start: text.length, end: text.length + c.text.length });
    text += c.text;
  }
  const uris = [...new Set(parts.flatMap((p) => (p.uri === undefined ? [] : [p.uri])))];
  const source: BlockSource = { type: 'mcp', server: options.server, tool: options.tool, callId };
  if (uris.length === 1) source.uri = uris[0] as string;
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
    meta: { mcp: { parts, ...(isError ? { isError: true } : {}) } },
  });
}

interface Converted {
  text: string;
  meta: Omit<ToolResultPart, 'start' | 'end'>;
}

function convertPart(part: Part, path: string): Converted {
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
      if (typeof resource['text'] === 'string') {
        return { text: resource['text'], meta: { type, uri, ...mime } };
      }
      const { bytes, digest } = describeBase64(str(resource, 'blob', rpath), `${rpath}.blob`);
      return {
        text: `[embedded resource omitted: ${uri}, ${mimeType ?? 'application/octet-stream'}, ${bytes} bytes, ${digest}]`,
        meta: { type, uri, ...mime, bytes, digest },
      };
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

// Base64 per RFC 4648 §4, padding optional; checked with a linear pattern before decoding.
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function describeBase64(data: string, path: string): { bytes: number; digest: string } {
  if (data.length > MCP_LIMITS.maxBinaryChars)
    fail(
      path,
      `has ${data.length} base64 characters; the limit is MCP_LIMITS.maxBinaryChars = ${MCP_LIMITS.maxBinaryChars}`,
      data.length,
    );
  if (!base64Pattern.test(data) || data.length % 4 === 1) fail(path, 'not base64', data.slice(0, 32));
  let binary: string;
  try {
    binary = atob(data);
  } catch (cause) {
    fail(path, 'not base64', data.slice(0, 32), cause);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return { bytes: bytes.length, digest: digestContent(bytes) };
}

function canonical(value: unknown, path: string): string {
  try {
    return canonicalizeJson(value);
  } catch (cause) {
    fail(path, cause instanceof Error ? cause.message : 'not JSON data', undefined, cause);
  }
}

function sameJson(text: string, json: string): boolean {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return false;
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

function isRecord(value: unknown): value is Part {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function randomCallId(): string {
  const bytes = new Uint8Array(9);
  globalThis.crypto.getRandomValues(bytes);
  return `mcp_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function fail(path: string, message: string, value?: unknown, cause?: unknown): never {
  throw new InvalidMcpInputError({ path, message, value, ...(cause === undefined ? {} : { cause }) });
}
