import type { ContextBlock } from '@ctxpack/block';
import { InvalidMcpInputError } from './invalid-mcp-input-error.js';
import type { ToolResultOptions } from './tool-result-to-block.js';
import { toolResultToBlock } from './tool-result-to-block.js';

/** The part of the SDK's `Client` this adapter calls: `client.callTool`. */
export interface ToolCaller {
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
}

/**
 * Calls a tool through an MCP client and returns the raw result with its
 * block (see `toolResultToBlock`).
 *
 * @example
 * const { block } = await callToolAsBlock(client, { name: 'get_weather', arguments: { city: 'Paris' } },
 *   { tenant: 'acme', server: 'weather', callId: 'call_1' });
 */
export async function callToolAsBlock(
  client: ToolCaller,
  params: { name: string; arguments?: Record<string, unknown> },
  options: Omit<ToolResultOptions, 'tool'>,
): Promise<{ result: unknown; block: ContextBlock }> {
  const bad = (path: string, message: string, value: unknown) =>
    new InvalidMcpInputError({ path, message, value });
  if (typeof (client as { callTool?: unknown } | null)?.callTool !== 'function') {
    throw bad('client', 'expected an MCP client with callTool()', client);
  }
  if (typeof params !== 'object' || params === null || typeof params.name !== 'string') {
    throw bad('params', 'expected { name, arguments? }', params);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw bad('options', 'expected an object', options);
  }
  const result = await client.callTool(params);
  return { result, block: toolResultToBlock(result, { ...options, tool: params.name }) };
}
