/**
 * Issue 12 item 6: tool calls are atomic. On main, arguments were truncated
 * like text (invalid JSON on openai-chat, openai-responses and text; anthropic
 * and ai-sdk threw), and a call added with `add` (no group) could be kept
 * without its result. These tests failed there.
 */

import { createContext, generateKeyPair } from 'ctxpack';
import { describe, expect, it } from 'vitest';

const keys = generateKeyPair();

describe('tool calls are atomic', () => {
  it('arguments are never cut, and a call and its result are dropped together (the report says so)', async () => {
    const ctx = createContext({ tenant: 'acme', signer: keys });
    ctx.user('Look it up.');
    ctx.add({
      kind: 'tool-call',
      trust: 'trusted',
      truncate: 'tail',
      content: JSON.stringify({ query: 'word '.repeat(400) }),
      source: { type: 'app', tool: 'search', callId: 'c1' },
      id: 'call',
    });
    ctx.add({
      kind: 'tool-result',
      content: 'found it',
      source: { type: 'app', tool: 'search', callId: 'c1' },
      id: 'result',
    });
    const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 300 });
    const call = payload.report.blocks.find((b) => b.id === 'call');
    const result = payload.report.blocks.find((b) => b.id === 'result');
    expect(call?.status).toBe('dropped');
    expect(result?.status).toBe('dropped');
    expect(call?.reason).toContain('call:c1');
  });

  it('arguments that fit are sent whole as valid JSON', async () => {
    const ctx = createContext({ tenant: 'acme', signer: keys });
    ctx.user('Look it up.');
    ctx.toolCall(
      { name: 'search', callId: 'c1', arguments: { query: 'word '.repeat(100) } },
      { truncate: 'tail' },
    );
    ctx.toolResult('x '.repeat(2_000), { type: 'app', tool: 'search', callId: 'c1' });
    const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 900 });
    const call = payload.report.blocks.find((b) => b.kind === 'tool-call');
    expect(call?.status).toBe('kept');
    const msg = payload.request.messages.find((m) => m.role === 'assistant' && 'tool_calls' in m);
    const args = (msg as { tool_calls: { function: { arguments: string } }[] }).tool_calls[0]?.function
      .arguments;
    expect(JSON.parse(args as string)).toEqual({ query: 'word '.repeat(100) });
  });
});
