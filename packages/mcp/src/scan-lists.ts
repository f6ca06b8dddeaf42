import { InvalidArgumentError } from '@ctxpack/block';
import { summarizeListed } from './cap-tool-findings.js';
import { digestToolDefinition } from './digest-tool.js';
import { InvalidMcpInputError } from './invalid-mcp-input-error.js';
import { MCP_LIMITS } from './limits.js';
import type { ToolFinding, ToolScanReport, ToolScanResult } from './scan-tools.js';
import { scanToolDefinition } from './scan-tools.js';

/** Options of the list scans: the names of tools the model can call (for shadowing). */
export interface ScanListOptions {
  knownTools?: readonly string[];
}

/**
 * Scans a `prompts/list` answer like tools: every string of each prompt —
 * name, title, description, argument names and descriptions, icons, `_meta`.
 * Each result's `tool` is the prompt name.
 *
 * @throws {InvalidMcpInputError} when the list or a prompt is malformed or too large.
 * @example
 * const report = scanPrompts((await client.listPrompts()).prompts, { knownTools: ['send_email'] });
 */
export function scanPrompts(prompts: readonly unknown[], options: ScanListOptions = {}): ToolScanReport {
  return scanNamedList(prompts, 'prompts', (item) => item['name'], options);
}

/**
 * Scans a `resources/list` (or `resources/templates/list`) answer: name,
 * title, description, `uri`/`uriTemplate`, MIME type, icons, annotations and
 * `_meta` of each resource. Each result's `tool` is the resource URI.
 *
 * @throws {InvalidMcpInputError} when the list or a resource is malformed or too large.
 * @example
 * const report = scanResources((await client.listResources()).resources);
 */
export function scanResources(resources: readonly unknown[], options: ScanListOptions = {}): ToolScanReport {
  return scanNamedList(resources, 'resources', (item) => item['uri'] ?? item['uriTemplate'], options);
}

// Field names that ask for a secret. Form-mode elicitation MUST NOT request sensitive information
// (MCP 2025-06-18+, client/elicitation); URL mode exists for that.
const sensitiveField =
  /(?:^|[_\-\s.])(?:password|passwd|passphrase|pass|pin|otp|2fa|mfa|secret|token|api[_\-\s]?key|apikey|private[_\-\s]?key|ssn|social[_\-\s]?security|credit[_\-\s]?card|card[_\-\s]?number|cvv|cvc|iban|seed[_\-\s]?phrase|mnemonic)(?:$|[_\-\s.])/i;

/**
 * Scans an elicitation request from a server (`elicitation/create`, form or
 * URL mode, the whole JSON-RPC request or its `params`): the message and
 * every string of `requestedSchema`, plus form fields that ask for secrets
 * (`elicitation-sensitive-field`, high) and URL-mode links that are not
 * `https:` (`elicitation-url`, medium).
 *
 * @throws {InvalidMcpInputError} when the request is not an elicitation request.
 * @example
 * server.setRequestHandler(ElicitRequestSchema, (req) => { if (scanElicitation(req).some(f => f.severity === 'high')) … });
 */
export function scanElicitation(request: unknown): ToolFinding[] {
  const record = asRecord(request, '(request)');
  const params = record['method'] === 'elicitation/create' ? asRecord(record['params'], 'params') : record;
  if (typeof params['message'] !== 'string') {
    throw new InvalidMcpInputError({
      path: 'params.message',
      message: 'expected a string',
      value: params['message'],
    });
  }
  const findings = scanToolDefinition({ ...params, name: 'elicitation' }).filter(
    (f) => f.kind !== 'tool-name-invalid',
  );
  const schema = params['requestedSchema'];
  if (params['mode'] !== 'url' && isRecord(schema) && isRecord(schema['properties'])) {
    for (const [key, property] of Object.entries(schema['properties'])) {
      const title = isRecord(property) && typeof property['title'] === 'string' ? property['title'] : '';
      if (sensitiveField.test(key) || sensitiveField.test(title)) {
        findings.push({
          tool: 'elicitation',
          path: `requestedSchema.properties.${key}`,
          kind: 'elicitation-sensitive-field',
          severity: 'high',
          start: 0,
          end: 0,
          message: `a form asks for a secret ("${key.slice(0, 64)}"); form elicitation must not request sensitive information`,
        });
      }
    }
  }
  if (params['mode'] === 'url') {
    const url = params['url'];
    if (typeof url !== 'string' || !url.toLowerCase().startsWith('https://')) {
      findings.push({
        tool: 'elicitation',
        path: 'url',
        kind: 'elicitation-url',
        severity: 'medium',
        start: 0,
        end: 0,
        message: 'a URL-mode elicitation whose url is not https:',
      });
    }
  }
  return findings;
}

/**
 * Scans a tool result (every string of a `CallToolResult`, `structuredContent`
 * and `isError` text included) with the same rules as definitions: output and
 * error poisoning. Each finding's `tool` is `tool`.
 *
 * @throws {InvalidMcpInputError} when the result is too large or deep.
 * @example
 * const findings = scanToolResult(await client.callTool({ name: 'x' }), 'x');
 */
export function scanToolResult(result: unknown, tool: string): ToolFinding[] {
  if (typeof tool !== 'string' || tool.length > 1024) {
    throw new InvalidArgumentError({
      path: 'tool',
      expected: 'a tool name of at most 1024 characters',
      value: tool,
    });
  }
  asRecord(result, '(result)');
  return scanToolDefinition({ result, name: tool }).filter(
    (f) => f.path !== 'name' && f.kind !== 'tool-name-invalid',
  );
}

function scanNamedList(
  items: readonly unknown[],
  what: string,
  identity: (item: Record<string, unknown>) => unknown,
  options: ScanListOptions,
): ToolScanReport {
  if (!isRecord(options))
    throw new InvalidArgumentError({ path: 'options', expected: 'an object', value: options });
  if (!Array.isArray(items))
    throw new InvalidMcpInputError({ path: what, message: 'expected an array', value: items });
  if (items.length > MCP_LIMITS.maxToolsPerList) {
    throw new InvalidMcpInputError({
      path: what,
      message: `has ${items.length} entries; the limit is MCP_LIMITS.maxToolsPerList = ${MCP_LIMITS.maxToolsPerList}`,
      value: items.length,
    });
  }
  const known: string[] = [];
  const given: unknown = (options as ScanListOptions).knownTools;
  if (given !== undefined) {
    if (!Array.isArray(given) || !given.every((n) => typeof n === 'string')) {
      throw new InvalidArgumentError({
        path: 'options.knownTools',
        expected: 'an array of strings',
        value: given,
      });
    }
    for (const n of given) known.push(n);
  }
  const tools: ToolScanResult[] = [];
  const findings: ToolFinding[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = asRecord(items[i], `${what}[${i}]`);
    const id = identity(item);
    if (typeof id !== 'string') {
      throw new InvalidMcpInputError({
        path: `${what}[${i}]`,
        message: 'expected a string name or uri',
        value: id,
      });
    }
    const named = typeof item['name'] === 'string' ? item : { ...item, name: id };
    const own = scanToolDefinition(named, { otherTools: known })
      .filter((f) => f.kind !== 'tool-name-invalid')
      .map((f) => ({ ...f, tool: id }));
    tools.push({ tool: id, digest: digestToolDefinition(item), findings: own, ...summarizeListed(own) });
    for (const f of own) findings.push(f);
  }
  return { tools, findings, ...summarizeListed(findings) };
}

function asRecord(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw new InvalidMcpInputError({ path, message: 'expected an object', value });
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
