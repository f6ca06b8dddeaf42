/**
 * One tool-using conversation in each provider's body format, written in the
 * shape ctxpack renders (so import → assemble can be compared exactly), and
 * helpers that take the data wrappers and the boundary notice back off.
 */

import { createGuardedFetch, type GuardedFetchOptions, type Payload } from 'ctxpack';

export const SYSTEM = 'You are a travel assistant. Answer briefly.';
export const USER = 'Do I need an umbrella in Paris today?';
export const TOOL_OUTPUT = 'Paris: light rain, 14 °C, wind 20 km/h. 🌧️';
export const ANSWER = 'Yes: light rain is expected, take an umbrella.';

/** A provider body: the conversation fields the tests read, and any params. */
export type FixtureBody<K extends string> = {
  [P in K]: P extends 'instructions' ? string : unknown[];
} & Record<string, unknown>;

export const OPENAI_CHAT_BODY: FixtureBody<'messages'> = {
  model: 'gpt-4o-mini',
  temperature: 0.2,
  max_tokens: 300,
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    },
  ],
  tool_choice: 'auto',
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: USER },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: TOOL_OUTPUT },
    { role: 'assistant', content: ANSWER },
    { role: 'user', content: 'And tomorrow?' },
  ],
};

export const OPENAI_RESPONSES_BODY: FixtureBody<'instructions' | 'input'> = {
  model: 'gpt-4o-mini',
  max_output_tokens: 300,
  tools: [
    {
      type: 'function',
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      strict: false,
    },
  ],
  instructions: SYSTEM,
  input: [
    { type: 'message', role: 'user', content: USER },
    { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { type: 'function_call_output', call_id: 'call_1', output: TOOL_OUTPUT },
    { type: 'message', role: 'assistant', content: ANSWER },
    { type: 'message', role: 'user', content: 'And tomorrow?' },
  ],
};

export const ANTHROPIC_BODY: FixtureBody<'system' | 'messages'> = {
  model: 'claude-sonnet-4-5',
  max_tokens: 300,
  tools: [
    {
      name: 'get_weather',
      description: 'Weather for a city',
      input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  system: [{ type: 'text', text: SYSTEM }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: USER }] },
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: TOOL_OUTPUT },
        { type: 'text', text: 'Thanks.' },
      ],
    },
    { role: 'assistant', content: [{ type: 'text', text: ANSWER }] },
    { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
  ],
};

export const AI_SDK_BODY: { system: string; messages: unknown[] } = {
  system: SYSTEM,
  messages: [
    { role: 'user', content: USER },
    {
      role: 'assistant',
      content: [
        { type: 'tool-call', toolCallId: 'call_1', toolName: 'get_weather', input: { city: 'Paris' } },
      ],
    },
    {
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'call_1',
          toolName: 'get_weather',
          output: { type: 'text', value: TOOL_OUTPUT },
        },
      ],
    },
    { role: 'assistant', content: ANSWER },
    { role: 'user', content: 'And tomorrow?' },
  ],
};

const wrapped = /^<data-([0-9a-f]{32}) [^>\n]*>\n([\s\S]*)\n<\/data-\1>$/;
const notice = /^Text between <data-[0-9a-f]{32} /;

/** The content of a data wrapper, or the text unchanged when it is not wrapped. */
export function unwrapData(text: string): string {
  return wrapped.exec(text)?.[2] ?? text;
}

/** True for the boundary notice (the preamble ctxpack adds when data is present). */
export function isBoundaryNotice(text: string): boolean {
  return notice.test(text);
}

/** A system slot with the boundary notice (joined by a blank line) taken off. */
export function withoutNotice(text: string): string {
  if (!isBoundaryNotice(text)) return text;
  const cut = text.indexOf('\n\n');
  return cut === -1 ? '' : text.slice(cut + 2);
}

/** Deep-copies a JSON value, mapping every string through `f`. */
export function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, f);
    return out;
  }
  return value;
}

/** A guarded fetch for tenant `acme` that records each request's payload; `extra` overrides any option. */
export function recordingFetch(
  signer: GuardedFetchOptions['signer'],
  extra: Partial<GuardedFetchOptions> = {},
): { fetch: ReturnType<typeof createGuardedFetch>; payloads: Payload[] } {
  const payloads: Payload[] = [];
  const fetch = createGuardedFetch({
    tenant: 'acme',
    signer,
    onPayload: (p) => {
      payloads.push(p);
    },
    ...extra,
  });
  return { fetch, payloads };
}
