/**
 * The rendered requests against the official SDKs: at compile time (`tsc -p
 * packages/serialize/tsconfig.json` checks every assignment below against the
 * SDK's own parameter types) and at run time (each SDK accepts the request
 * and sends it unchanged; the AI SDK validates `ModelMessage[]` with its own
 * zod schema before calling the model).
 */

import { execFileSync } from 'node:child_process';
import Anthropic from '@anthropic-ai/sdk';
import type {
  MessageCreateParamsNonStreaming,
  MessageParam,
  TextBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import type {
  AiSdkMessage,
  AnthropicMessage,
  AnthropicTextBlock,
  OpenAIChatMessage,
  OpenAIResponsesInputItem,
} from '@ctxpack/serialize';
import { render } from '@ctxpack/serialize';
import type { ModelMessage } from 'ai';
import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type {
  ResponseCreateParamsNonStreaming,
  ResponseInputItem,
} from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { conversation, nonce, tenant } from './fixtures.js';

// Compile-time: each of our message types is assignable to the SDK's.
type Assignable<To, From extends To> = From;
export type Checks = [
  Assignable<ChatCompletionMessageParam, OpenAIChatMessage>,
  Assignable<ResponseInputItem, OpenAIResponsesInputItem>,
  Assignable<MessageParam, AnthropicMessage>,
  Assignable<TextBlockParam, AnthropicTextBlock>,
  Assignable<ModelMessage, AiSdkMessage>,
];

const options = { tenant, nonce } as const;

// The AI SDK runs in a child process: the vitest workers resolve with the
// `module` condition, which picks @opentelemetry/api's extensionless ESM build
// (a dependency of `ai`) that Node cannot load.
const AI_SDK_CHILD = `
import { generateText } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
let input = '';
for await (const chunk of process.stdin) input += chunk;
let prompt;
const model = new MockLanguageModelV4({
  doGenerate: async (call) => {
    prompt = call.prompt;
    return { content: [{ type: 'text', text: 'ok' }], finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: 1, text: 1, reasoning: 0 } }, warnings: [] };
  },
});
const result = await generateText({ model, allowSystemInMessages: false, ...JSON.parse(input) });
process.stdout.write(JSON.stringify({ text: result.text, prompt }));
`;

function runAiSdk(request: { system?: string; messages: ModelMessage[] }): {
  text: string;
  prompt: { role: string }[];
} {
  const root = new URL('../../../', import.meta.url);
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', AI_SDK_CHILD], {
    cwd: root,
    input: JSON.stringify(request),
    env: { PATH: process.env['PATH'] ?? '' },
  });
  return JSON.parse(out.toString('utf8'));
}

/** A fetch that records the JSON body and answers with `reply`. */
function capture(reply: unknown): { fetch: typeof fetch; body: () => unknown } {
  let sent: unknown;
  return {
    fetch: async (_url, init) => {
      sent = JSON.parse(String(init?.body));
      return new Response(JSON.stringify(reply), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    },
    body: () => sent,
  };
}

describe('official SDKs accept the rendered requests', () => {
  it('openai chat.completions.create', async () => {
    const { request } = render(conversation, { ...options, target: 'openai-chat' });
    const params: ChatCompletionCreateParamsNonStreaming = { model: 'gpt-4o-mini', ...request };
    const wire = capture({
      id: 'x',
      object: 'chat.completion',
      choices: [],
      created: 0,
      model: 'gpt-4o-mini',
    });
    const client = new OpenAI({ apiKey: 'test', fetch: wire.fetch, maxRetries: 0 });
    await client.chat.completions.create(params);
    expect(wire.body()).toEqual(params);
  });

  it('openai responses.create', async () => {
    const { request } = render(conversation, { ...options, target: 'openai-responses' });
    const params: ResponseCreateParamsNonStreaming = { model: 'gpt-4o-mini', ...request };
    const wire = capture({ id: 'r', object: 'response', output: [], created_at: 0, model: 'gpt-4o-mini' });
    const client = new OpenAI({ apiKey: 'test', fetch: wire.fetch, maxRetries: 0 });
    await client.responses.create(params);
    expect(wire.body()).toEqual(params);
  });

  it('anthropic messages.create', async () => {
    const { request } = render(conversation, {
      ...options,
      target: 'anthropic',
      anthropic: { cacheSystem: true },
    });
    const params: MessageCreateParamsNonStreaming = {
      model: 'claude-sonnet-4-6',
      max_tokens: 512,
      ...request,
    };
    const wire = capture({
      id: 'm',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'claude-sonnet-4-6',
    });
    const client = new Anthropic({ apiKey: 'test', fetch: wire.fetch, maxRetries: 0 });
    await client.messages.create(params);
    expect(wire.body()).toEqual(params);
  });

  it('ai generateText validates the ModelMessage[] and passes it to the model', async () => {
    const { request } = render(conversation, { ...options, target: 'ai-sdk' });
    const messages: ModelMessage[] = request.messages;
    const system: string | undefined = request.system;
    const { text, prompt } = runAiSdk({ ...(system === undefined ? {} : { system }), messages });
    expect(text).toBe('ok');
    const roles = prompt.map((m) => m.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'tool', 'user']);
    expect(JSON.stringify(prompt)).toContain('Sunny, 21 C.');
  });
});
