/**
 * The SDK calls of packages/ctxpack/README.md ("Send it"), type-checked under
 * the strict base tsconfig by `pnpm typecheck` and by readme-snippets.test.ts.
 * Every README line that spreads `payload.request` appears here verbatim (the
 * test checks), so the README cannot show a call that does not compile.
 * Nothing here runs: the clients and the model are declared, not created.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { generateText as GenerateText, LanguageModel } from 'ai';
import type { Context, Payload } from 'ctxpack';
import type OpenAI from 'openai';

declare const ctx: Context;
declare const openai: OpenAI;
declare const anthropic: Anthropic;
declare const model: LanguageModel;
declare const generateText: typeof GenerateText;

export async function openaiChat(): Promise<string | null | undefined> {
  const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 8_000, audience: 'gateway' });
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', ...payload.request });
  return completion.choices[0]?.message.content;
}

export async function openaiResponses(): Promise<string> {
  const payload = await ctx.assemble({ target: 'openai-responses', maxTokens: 8_000, audience: 'gateway' });
  const response = await openai.responses.create({ model: 'gpt-4o', ...payload.request });
  return response.output_text;
}

export async function anthropicMessages(): Promise<Anthropic.Message> {
  const payload = await ctx.assemble({ target: 'anthropic', maxTokens: 8_000, audience: 'gateway' });
  const message = await anthropic.messages.create({
    model: 'claude-sonnet-4-6',
    max_tokens: 1024,
    ...payload.request,
  });
  return message;
}

export async function aiSdk(): Promise<string> {
  const payload = await ctx.assemble({ target: 'ai-sdk', maxTokens: 8_000, audience: 'gateway' });
  const { text } = await generateText({ model, ...payload.request });
  return text;
}

export async function text(): Promise<string> {
  const payload = await ctx.assemble({ target: 'text', maxTokens: 8_000, audience: 'gateway' });
  return payload.request.prompt;
}

/** The types are not `any`: each of these must fail to compile (tsc reports an unused @ts-expect-error otherwise). */
export async function mismatches(
  anthropicPayload: Payload<'anthropic'>,
  chat: Payload<'openai-chat'>,
): Promise<void> {
  // @ts-expect-error an Anthropic body is not a Chat Completions body
  await openai.chat.completions.create({ model: 'gpt-4o', ...anthropicPayload.request });
  // @ts-expect-error a Chat Completions body has no `prompt`
  chat.request.prompt;
  // @ts-expect-error the request is an object, not any
  const n: number = chat.request;
  void n;
}
