import { InvalidArgumentError } from '@ctxpack/block';
import { assertRecord } from '@ctxpack/block/kernel';
import { type ChatTemplate, chatTemplateOf, countChatTemplate } from './chat-template-framing.js';
import type { Target } from './target.js';
import { TARGETS } from './target.js';
import type { TokenCounter } from './token-counter.js';
import { assertCounter } from './token-counter.js';
import { UnsupportedTargetError } from './unsupported-target-error.js';

/** Tokens a target adds around the text it carries. */
export interface RequestFraming {
  /** Per message (or input item, or system block). */
  readonly perMessage: number;
  /** Extra for a `name` field. */
  readonly perName: number;
  /** Priming of the reply, once per request. */
  readonly replyPriming: number;
  /** Per tool call, on top of its id, type, name and arguments. */
  readonly perToolCall: number;
  /** Per content block or part inside a message (Anthropic, AI SDK). */
  readonly perPart: number;
  /** True when the provider publishes this framing; false for an estimate. */
  readonly exact: boolean;
}

// OpenAI Chat Completions framing, as published in OpenAI's cookbook ("How to
// count tokens with tiktoken", `num_tokens_from_messages`): every message
// costs 3 tokens plus the tokens of each of its string values, a `name` 1
// more, and the reply is primed with 3 (`<|start|>assistant<|message|>`).
// Tool calls are counted as their id, type, name and arguments plus 3 each.
// The one home of this framing is REQUEST_FRAMING['openai-chat'].
const CHAT = { perMessage: 3, perName: 1, replyPriming: 3, perToolCall: 3 } as const;

// Content-block APIs: 3 per message and per part, as the chat model charges per message.
const PART_ESTIMATE: RequestFraming = Object.freeze({
  perMessage: 3,
  perName: 0,
  replyPriming: 3,
  perToolCall: 0,
  perPart: 3,
  exact: false,
});

/**
 * The framing model of every target, the one place ctxpack defines framing.
 * Only `openai-chat` is published (OpenAI's cookbook: 3 per message, 1 per
 * `name`, 3 to prime the reply); the others are estimates with the same
 * tokenizer:
 * - `openai-responses`: the chat model applied to `instructions` (one
 *   message) and to each input item, counting every string value of it
 *   (`type`, `role`, `call_id`, `name`, `arguments`, `output`, `content`).
 * - `anthropic`: Claude's tokenizer is not public; every string value of every
 *   system block, message and content block is counted with the chosen
 *   tiktoken encoding, plus 3 per message and 3 per content block, and
 *   `tool_use.input` as its JSON. Use the Messages API `count_tokens`
 *   endpoint when the exact figure matters.
 * - `ai-sdk`: the provider behind the AI SDK decides the real framing; the
 *   estimate counts `system` as one message, every string value of every
 *   message and part plus 3 per message and 3 per part, and tool `input` as
 *   its JSON.
 * - `text`: the prompt itself, no framing.
 */
export const REQUEST_FRAMING: Readonly<Record<Target, RequestFraming>> = Object.freeze({
  'openai-chat': Object.freeze({ ...CHAT, perPart: 0, exact: true }),
  'openai-responses': Object.freeze({ ...CHAT, perPart: 0, exact: false }),
  anthropic: PART_ESTIMATE,
  'ai-sdk': PART_ESTIMATE,
  text: Object.freeze({
    perMessage: 0,
    perName: 0,
    replyPriming: 0,
    perToolCall: 0,
    perPart: 0,
    exact: true,
  }),
});

/**
 * Per-message framing of the open-weight chat templates, for the budget's
 * per-block estimates (the exact count is {@link countRequestTokens}):
 * harmony `<|start|>role<|message|>…<|end|>` (assistant text adds
 * `<|channel|>final`), Llama 3 `<|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>`,
 * tekken `[INST]…[/INST]`. Reply priming includes what the template puts
 * before the first message (harmony's system message is counted separately).
 */
export const CHAT_TEMPLATE_FRAMING: Readonly<Record<ChatTemplate, RequestFraming>> = Object.freeze({
  harmony: Object.freeze({
    perMessage: 6,
    perName: 0,
    replyPriming: 2,
    perToolCall: 12,
    perPart: 0,
    exact: true,
  }),
  llama3: Object.freeze({
    perMessage: 5,
    perName: 0,
    replyPriming: 5,
    perToolCall: 14,
    perPart: 0,
    exact: true,
  }),
  tekken: Object.freeze({
    perMessage: 2,
    perName: 0,
    replyPriming: 1,
    perToolCall: 16,
    perPart: 0,
    exact: true,
  }),
});

/**
 * The framing of `target` when counted with `counter`: a Chat Completions
 * (`openai-chat`) or `text` request counted with an open-weight encoding
 * (`o200k_harmony`, `llama3`, `tekken`) is framed by that family's chat
 * template, the way vLLM and similar gateways serve these models behind an
 * OpenAI-compatible API; anything else by {@link REQUEST_FRAMING}.
 *
 * @example
 * requestFraming('openai-chat', createTokenizer('tekken')).perMessage; // 2: [INST]…[/INST]
 */
export function requestFraming(target: Target, counter: TokenCounter): RequestFraming {
  if (!TARGETS.includes(target)) throw new UnsupportedTargetError({ target });
  assertCounter(counter, 'counter');
  const template = chatTemplateOf(counter);
  if (template !== undefined && target === 'openai-chat') return CHAT_TEMPLATE_FRAMING[template];
  return REQUEST_FRAMING[target];
}

/**
 * Counts the tokens of a rendered request exactly as it will be sent,
 * framing included (see {@link REQUEST_FRAMING} for which targets are
 * estimates). This is the count the budget guarantees. The counter's
 * `encoding` picks the framing of an `openai-chat` request: OpenAI's for
 * `o200k_base`/`cl100k_base` (or a counter without one), the model family's
 * chat template for `o200k_harmony` (harmony), `llama3` and `tekken`; a
 * `text` prompt counted with `llama3` or `tekken` adds the BOS token their
 * completions endpoint prepends.
 *
 * @example
 * countRequestTokens(payload.request, 'openai-chat', createTokenizer('o200k_base'));
 * countRequestTokens(payload.request, 'openai-chat', await loadTokenizer('llama3')); // Llama 3's chat template
 */
export function countRequestTokens(
  request: Record<string, unknown>,
  target: Target,
  counter: TokenCounter,
): number {
  assertRecord(request, 'request');
  if (!TARGETS.includes(target)) throw new UnsupportedTargetError({ target });
  assertCounter(counter, 'counter');
  const f = REQUEST_FRAMING[target];
  const template = chatTemplateOf(counter);
  switch (target) {
    case 'openai-chat': {
      if (template === undefined) return countOpenAIChat(request['messages'], counter);
      const tools = request['tools'];
      const messages = asArray(request['messages']).filter(isRecord);
      return countChatTemplate(template, messages, counter, Array.isArray(tools) && tools.length > 0);
    }
    case 'openai-responses': {
      let total = f.replyPriming;
      const instructions = request['instructions'];
      if (typeof instructions === 'string') total += f.perMessage + counter.count(instructions);
      for (const item of asArray(request['input'])) total += f.perMessage + countStrings(item, counter, 0);
      return total;
    }
    case 'anthropic':
    case 'ai-sdk': {
      let total = f.replyPriming;
      const system = request['system'];
      if (typeof system === 'string') total += f.perMessage + counter.count(system);
      for (const block of asArray(system)) total += f.perPart + countStrings(block, counter, 0);
      for (const message of asArray(request['messages'])) {
        total += f.perMessage;
        const { content, ...rest } = message as Record<string, unknown>;
        total += countStrings(rest, counter, 0);
        if (typeof content === 'string') total += counter.count(content);
        else for (const part of asArray(content)) total += f.perPart + countStrings(part, counter, 0);
      }
      return total;
    }
    case 'text': {
      const bos = template === 'llama3' || template === 'tekken' ? 1 : 0;
      return bos + counter.count(String(request['prompt'] ?? ''));
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

const MAX_DEPTH = 16;

/**
 * Tokens of every string value under `value`; a tool call `input` object
 * counts as its JSON. Rendered requests nest a few levels; anything deeper
 * than MAX_DEPTH is not a request we rendered, and is refused rather than
 * counted as zero (an under-count would let it past the budget).
 */
function countStrings(value: unknown, counter: TokenCounter, depth: number): number {
  if (typeof value === 'string') return counter.count(value);
  if (typeof value !== 'object' || value === null) return 0;
  if (depth > MAX_DEPTH) {
    throw new InvalidArgumentError({
      path: 'request',
      expected: `a request nested at most ${MAX_DEPTH} deep`,
      value,
    });
  }
  let total = 0;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'input' && typeof v === 'object' && v !== null) total += counter.count(inputJson(v));
    else total += countStrings(v, counter, depth + 1);
  }
  return total;
}

function inputJson(value: object): string {
  try {
    return JSON.stringify(value);
  } catch (cause) {
    // Cycles and BigInts have no JSON; a provider could not receive them either.
    throw new InvalidArgumentError({
      path: 'request (tool call input)',
      expected: 'JSON data',
      value: cause,
    });
  }
}

function countOpenAIChat(messages: unknown, counter: TokenCounter): number {
  const f = REQUEST_FRAMING['openai-chat'];
  let total = f.replyPriming;
  for (const message of asArray(messages) as Record<string, unknown>[]) {
    total += f.perMessage;
    for (const [key, value] of Object.entries(message)) {
      if (typeof value === 'string') {
        total += counter.count(value);
        if (key === 'name') total += f.perName;
      }
    }
    const calls = message['tool_calls'];
    if (Array.isArray(calls)) {
      for (const call of calls as {
        id: string;
        type: string;
        function: { name: string; arguments: string };
      }[]) {
        total += f.perToolCall + counter.count(call.id) + counter.count(call.type);
        total += counter.count(call.function.name) + counter.count(call.function.arguments);
      }
    }
  }
  return total;
}
