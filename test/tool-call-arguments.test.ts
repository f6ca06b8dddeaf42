import { InvalidArgumentError } from '@ctxpack/block';
import { generateKeyPair } from '@ctxpack/sign';
import { createContext } from 'ctxpack';
import { describe, expect, it } from 'vitest';

// A trusted tool call's arguments are rendered as a JSON string (openai-chat,
// openai-responses, text) or as an object (anthropic, ai-sdk), and the request
// digest is RFC 8785, which cannot encode a lone surrogate. Arguments holding
// one used to assemble for some targets and throw a ProvenanceError for others;
// they are now refused when the call is added, for every target alike.

const TARGETS = ['openai-chat', 'openai-responses', 'anthropic', 'ai-sdk', 'text'] as const;
const high = '👍'.slice(0, 1);
const low = '👍'.slice(1);

function refused(args: unknown): InvalidArgumentError {
  const ctx = createContext({ tenant: 'acme', signer: generateKeyPair() });
  try {
    ctx.toolCall({ name: 'search', callId: 'c1', arguments: args });
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
    expect(ctx.blocks).toHaveLength(0);
    return error as InvalidArgumentError;
  }
  throw new Error(`arguments ${JSON.stringify(args)} were accepted`);
}

async function assembleAll(args: unknown): Promise<void> {
  for (const target of TARGETS) {
    const ctx = createContext({ tenant: 'acme', signer: generateKeyPair() });
    ctx.user('Find it.');
    ctx.toolCall({ name: 'search', callId: 'c1', arguments: args });
    ctx.toolResult('found', { type: 'mcp', server: 's', tool: 'search', callId: 'c1' });
    const payload = await ctx.assemble({ target, maxTokens: 1_000 });
    expect(payload.target).toBe(target);
  }
}

describe('tool-call arguments with lone surrogates', () => {
  it('are refused at toolCall time, naming the argument path', () => {
    expect(refused({ q: high }).path).toBe('call.arguments.q');
    expect(refused({ list: ['ok', { deep: `x${low}` }] }).path).toBe('call.arguments.list[1].deep');
    expect(refused({ [low]: 1 }).path).toBe('call.arguments["\\udc4d"]');
    expect(refused({ 'a b': high }).path).toBe('call.arguments["a b"]');
  });

  it('are refused when given as JSON text, escaped or raw', () => {
    expect(refused('{"q":"\\ud83d"}').path).toBe('call.arguments.q');
    expect(refused('{"q":"\\uDC4D and more"}').path).toBe('call.arguments.q');
    expect(refused(`{"q":"${high}"}`).path).toBe('call.arguments');
    expect(refused(`not json ${low}`).path).toBe('call.arguments');
  });

  it('the error describes the value and what is expected', () => {
    const e = refused({ q: high });
    expect(e.code).toBe('invalid_argument');
    expect(e.expected).toContain('lone surrogate');
    expect(e.message).toContain('call.arguments.q');
  });

  it('do not catch surrogate pairs, escaped pairs or an escaped backslash', async () => {
    for (const args of [
      { q: '👍 ok', '👍': 'key' },
      '{"q":"\\ud83d\\udc4d"}',
      '{"q":"\\\\ud83d is text"}',
      'not json but well formed',
    ]) {
      const ctx = createContext({ tenant: 'acme', signer: generateKeyPair() });
      expect(ctx.toolCall({ name: 'search', callId: 'c1', arguments: args }).kind).toBe('tool-call');
    }
    // Well-formed arguments assemble for every target.
    await assembleAll({ q: '👍 ok', nested: ['a', { b: '中文' }] });
    await assembleAll('{"q":"\\ud83d\\udc4d"}');
  });

  it('deeply nested arguments are checked without overflowing the stack', () => {
    let deep: unknown = high;
    for (let i = 0; i < 2_000; i++) deep = [deep];
    expect(refused({ deep }).path).toMatch(/^call\.arguments\.deep(\[0\]){2000}$/);
  });
});
