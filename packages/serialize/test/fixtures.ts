import type { ContextBlock, ContextBlockInput } from '@ctxpack/block';
import { createBlock } from '@ctxpack/block';

export const tenant = 'acme';
export const nonce = 'n0n0n0n0n0n0n0n0n0n0n0n0n0n0n0n0';
const createdAt = '2026-01-01T00:00:00.000Z';

export const block = (input: Omit<ContextBlockInput, 'tenant'> & { tenant?: string }): ContextBlock =>
  createBlock({ createdAt, ...input, tenant: input.tenant ?? tenant });

/** A conversation with every kind of part: system, user, a tool call and its result, a document. */
export const conversation: ContextBlock[] = [
  block({ id: 'sys', kind: 'system', content: 'You are a weather bot.' }),
  block({ id: 'u1', kind: 'user', content: 'Weather in Paris?' }),
  block({
    id: 'call',
    kind: 'tool-call',
    content: '{"city":"Paris"}',
    source: { type: 'app', tool: 'get_weather', callId: 'c1' },
  }),
  block({
    id: 'res',
    kind: 'tool-result',
    content: 'Sunny, 21 C.',
    source: { type: 'mcp', server: 'weather', tool: 'get_weather', callId: 'c1' },
  }),
  block({
    id: 'doc',
    kind: 'document',
    content: 'Paris guide',
    source: { type: 'retrieval', uri: 'kb://paris' },
  }),
];

/** Reads the string at a source-map path such as `messages[2].content[0].text`. */
export function readPath(request: unknown, path: string): unknown {
  let value: unknown = request;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    value = (value as Record<string, unknown>)[/^\d+$/.test(part) ? Number(part) : part];
  }
  return value;
}
