import { InvalidArgumentError } from '@ctxpack/block';

/**
 * The HTTP headers a streamable-HTTP client sends with a JSON-RPC request
 * (MCP 2026-07-28, basic/transports/streamable-http "Standard Request
 * Headers" and "Custom Headers from Tool Parameters"): `Mcp-Method` on every
 * request, `Mcp-Name` for `tools/call`, `resources/read` and `prompts/get`,
 * and `Mcp-Param-{name}` for each argument the tool's `inputSchema` marks
 * with `x-mcp-header` (reachable through `properties` alone; string, integer
 * or boolean values). Values that are not plain visible ASCII are sent as
 * `=?base64?…?=` of their UTF-8 bytes, as the spec requires.
 *
 * @example
 * mcpRequestHeaders({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'q', arguments: { region: 'eu' } } }, tool);
 * // { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'q', 'Mcp-Param-Region': 'eu' }
 */
export function mcpRequestHeaders(message: unknown, tool?: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!isRecord(message) || typeof message['method'] !== 'string' || message['id'] === undefined)
    return headers;
  const method = message['method'];
  if (method.length > MAX_HEADER_VALUE_CHARS) return headers;
  headers['Mcp-Method'] = encodeHeaderValue(method);
  const params = isRecord(message['params']) ? message['params'] : {};
  const name = method === 'resources/read' ? params['uri'] : params['name'];
  if (
    (method === 'tools/call' || method === 'resources/read' || method === 'prompts/get') &&
    typeof name === 'string' &&
    name.length <= MAX_HEADER_VALUE_CHARS
  ) {
    headers['Mcp-Name'] = encodeHeaderValue(name);
  }
  if (method !== 'tools/call' || !isRecord(tool) || !isRecord(tool['inputSchema'])) return headers;
  const args = isRecord(params['arguments']) ? params['arguments'] : {};
  const walk = (schema: Record<string, unknown>, value: Record<string, unknown>, depth: number) => {
    const properties = schema['properties'];
    if (!isRecord(properties) || depth > 32) return;
    for (const [key, property] of Object.entries(properties)) {
      if (!isRecord(property) || !Object.hasOwn(value, key)) continue;
      const v = value[key];
      const header = property['x-mcp-header'];
      if (typeof header === 'string' && tchar.test(header)) {
        const text =
          typeof v === 'string'
            ? v
            : typeof v === 'boolean'
              ? String(v)
              : typeof v === 'number' && Number.isSafeInteger(v)
                ? String(v)
                : undefined;
        if (text !== undefined && text.length <= MAX_HEADER_VALUE_CHARS)
          headers[`Mcp-Param-${header}`] = encodeHeaderValue(text);
      }
      if (isRecord(v)) walk(property, v, depth + 1);
    }
  };
  walk(tool['inputSchema'], args, 0);
  return headers;
}

/** Longer values are not sent as headers: servers and proxies cap header sizes at a few KiB to 64 KiB. */
const MAX_HEADER_VALUE_CHARS = 16 * 1024;

// RFC 9110 §5.1 `tchar`.
const tchar = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;
// Visible ASCII, space and tab, with no leading or trailing whitespace.
const plainValue = /^(?:[\x21-\x7e](?:[\x20-\x7e\t]{0,8190}[\x21-\x7e])?)?$/;

/** A header value as is when it is plain visible ASCII, otherwise `=?base64?…?=` of its UTF-8 bytes. */
export function encodeHeaderValue(value: string): string {
  if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE_CHARS) {
    throw new InvalidArgumentError({
      path: 'value',
      expected: `a string of at most ${MAX_HEADER_VALUE_CHARS} characters`,
      value,
    });
  }
  if (plainValue.test(value) && !value.startsWith('=?base64?')) return value;
  const bytes = new TextEncoder().encode(value);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number);
  return `=?base64?${btoa(binary)}?=`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
