import type { ContextBlock } from '@ctxpack/block';
import type { ToolResultOptions } from './tool-result-to-blocks.js';
import { toolResultToBlocks } from './tool-result-to-blocks.js';

/** The part of the SDK's `Client` this adapter calls: `client.callTool`. */
export interface ToolCaller {
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
}

/**
 * Calls a tool through an MCP client and returns the raw result with its
 * blocks (see `toolResultToBlocks`).
 *
 * @example
 * const { blocks } = await callToolAsBlocks(client, { name: 'get_weather', arguments: { city: 'Paris' } },
 *   { tenant: 'acme', server: 'weather', callId: 'call_1' });
 */
export async function callToolAsBlocks(
  client: ToolCaller,
  params: { name: string; arguments?: Record<string, unknown> },
  options: Omit<ToolResultOptions, 'tool'>,
): Promise<{ result: unknown; blocks: ContextBlock[] }> {
  const result = await client.callTool(params);
  return { result, blocks: toolResultToBlocks(result, { ...options, tool: params.name }) };
}
