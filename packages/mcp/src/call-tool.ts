import type { ContextBlock } from '@ctxpack/block';
import { InvalidArgumentError } from '@ctxpack/block';
import { assertRecord, assertString } from '@ctxpack/block/kernel';
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
  if (typeof (client as { callTool?: unknown } | null)?.callTool !== 'function') {
    throw new InvalidArgumentError({
      path: 'client',
      expected: 'an MCP client with callTool()',
      value: client,
    });
  }
  assertRecord(params, 'params');
  assertString(params['name'], 'params.name');
  assertRecord(options, 'options');
  const result = await client.callTool(params);
  return { result, block: toolResultToBlock(result, { ...options, tool: params.name }) };
}
