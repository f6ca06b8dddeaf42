/**
 * Issue 13 item 2: the request's other fields (`params`: model, tools, …) are
 * counted in the budget as their JSON text and travel under the signed digest.
 */
import { createTokenizer } from '@ctxpack/budget';
import { createContext, generateKeyPair } from 'ctxpack';
import { describe, expect, it } from 'vitest';

const keys = generateKeyPair();
const tokenizer = createTokenizer('o200k_base');
const tools = Array.from({ length: 40 }, (_, i) => ({
  type: 'function',
  function: {
    name: `tool_${i}`,
    description: `Looks up record ${i} in the archive and returns its fields as JSON.`,
    parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  },
}));

function conversation() {
  const ctx = createContext({ tenant: 'acme', signer: keys });
  ctx.system('You are helpful.');
  ctx.document('The archive holds shipping records. '.repeat(400), { type: 'web' });
  ctx.user('Which record mentions Rotterdam?');
  return ctx;
}

describe('params are part of the budget', () => {
  it('requestTokens grows by exactly the tokens of the params JSON', async () => {
    const params = { model: 'gpt-4o', tools, max_tokens: 500 };
    const seed = 'same nonce for both';
    const without = await conversation().assemble({ target: 'openai-chat', maxTokens: 100_000, seed });
    const withParams = await conversation().assemble({
      target: 'openai-chat',
      maxTokens: 100_000,
      params,
      seed,
    });
    expect(withParams.report.requestTokens - without.report.requestTokens).toBe(
      tokenizer.count(JSON.stringify(params)),
    );
    expect((withParams.request as { tools?: unknown }).tools).toEqual(tools);
  });

  it('large tool definitions take budget from the data: the document is cut, the total stays within the budget', async () => {
    const maxTokens = 3_000;
    const free = await conversation().assemble({ target: 'openai-chat', maxTokens });
    const tight = await conversation().assemble({
      target: 'openai-chat',
      maxTokens,
      params: { model: 'gpt-4o', tools },
    });
    const doc = (p: typeof free) => p.report.blocks.find((b) => b.kind === 'document');
    expect(doc(tight)?.tokensAfter).toBeLessThan(doc(free)?.tokensAfter as number);
    expect(tight.report.requestTokens).toBeLessThanOrEqual(maxTokens);
    expect(tight.report.requestTokens).toBeGreaterThan(0.9 * maxTokens);
  });
});
