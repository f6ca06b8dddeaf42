// The README's two-line adoption, as written there, type-checked by `pnpm typecheck` under the strict base
// tsconfig (no casts), and run here without a network call: building the clients sends nothing.
import { createOpenAI } from '@ai-sdk/openai';
import Anthropic from '@anthropic-ai/sdk';
import { ctxpackMiddleware } from '@ctxpack/ai-sdk';
import { wrapLanguageModel } from 'ai';
import { createGuardedFetch, generateKeyPair } from 'ctxpack';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';

const keys = generateKeyPair();

describe('README adoption snippets', () => {
  it('compile and build real clients without casts', () => {
    const openai = new OpenAI({ apiKey: 'x', fetch: createGuardedFetch({ tenant: 'acme', signer: keys }) });
    const anthropic = new Anthropic({
      apiKey: 'x',
      fetch: createGuardedFetch({ tenant: 'acme', signer: keys }),
    });
    const ctxpack = ctxpackMiddleware({ tenant: 'acme', signer: keys });
    const model = wrapLanguageModel({
      model: createOpenAI({ apiKey: 'x', fetch: ctxpack.fetch }).chat('gpt-4o'),
      middleware: ctxpack,
    });
    expect(openai.chat.completions).toBeDefined();
    expect(anthropic.messages).toBeDefined();
    expect(model.modelId).toBe('gpt-4o');
  });
});
