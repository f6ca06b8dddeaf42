import { InvalidArgumentError } from '@ctxpack/block';
import type { TokenCounter } from './token-counter.js';

/**
 * The chat templates of the open-weight families that gateways such as vLLM
 * serve behind an OpenAI-compatible API. A Chat Completions body is the same
 * JSON for them; what the model reads is that body rendered with the model's
 * chat template, so the framing follows the tokenizer's encoding:
 * `o200k_harmony` → harmony (gpt-oss), `llama3` → Llama 3, `tekken` → Mistral.
 */
export type ChatTemplate = 'harmony' | 'llama3' | 'tekken';

const TEMPLATE_OF_ENCODING: ReadonlyMap<string, ChatTemplate> = new Map<string, ChatTemplate>([
  ['o200k_harmony', 'harmony'],
  ['llama3', 'llama3'],
  ['tekken', 'tekken'],
]);

/** The chat template a counter's encoding implies, or undefined (OpenAI's own framing). */
export function chatTemplateOf(counter: TokenCounter): ChatTemplate | undefined {
  const encoding = (counter as { encoding?: unknown }).encoding;
  return typeof encoding === 'string' ? TEMPLATE_OF_ENCODING.get(encoding) : undefined;
}

/**
 * The system message gpt-oss is served with when the caller sends none of
 * its own kind (harmony's system role carries model meta, not instructions):
 * the harmony guide's default, as vLLM's gpt-oss serving renders it. Its date
 * always counts the same (digits in runs of at most three). With function
 * tools the last line gains the commentary-channel sentence.
 */
const HARMONY_SYSTEM =
  'You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: 2024-06\nCurrent date: 2025-06-28\n\nReasoning: medium\n\n# Valid channels: analysis, commentary, final. Channel must be included for every message.';
const HARMONY_TOOLS_LINE = "\nCalls to these tools must go to the commentary channel: 'functions'.";

interface Call {
  id: string;
  function: { name: string; arguments: string };
}

/**
 * A message's text: a string, or the text parts of a content array joined
 * by a newline, as vLLM joins them for a chat template (a body ctxpack
 * rendered always has strings).
 */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  let out = '';
  let first = true;
  for (const part of value) {
    const t = (part as { type?: unknown; text?: unknown } | null)?.text;
    if (typeof t !== 'string') continue;
    out += first ? t : `\n${t}`;
    first = false;
  }
  return out;
}

function callsOf(message: Record<string, unknown>): readonly Call[] {
  const calls = message['tool_calls'];
  if (!Array.isArray(calls)) return [];
  for (const call of calls) {
    const c = call as { function?: { name?: unknown; arguments?: unknown } } | null;
    if (typeof c?.function?.name !== 'string' || typeof c.function.arguments !== 'string') {
      throw new InvalidArgumentError({
        path: 'request.messages[].tool_calls',
        expected: 'tool calls with function.name and function.arguments strings',
        value: call,
      });
    }
  }
  return calls as Call[];
}

/** The tool name of every call id, for tool results (a Chat Completions `tool` message names only its call id). */
function toolNames(messages: readonly Record<string, unknown>[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of messages) for (const c of callsOf(m)) names.set(String(c.id), c.function.name);
  return names;
}

/**
 * Harmony (the openai/harmony spec): every message is
 * `<|start|>{header}<|message|>{content}<|end|>`, one token per special.
 * System and developer messages become the developer message's
 * `# Instructions`; assistant text is the `final` channel; a tool call is
 * `<|start|>assistant<|channel|>commentary to=functions.{name} <|constrain|>json<|message|>{arguments}<|call|>`;
 * its result `<|start|>functions.{name} to=assistant<|channel|>commentary<|message|>{output}<|end|>`;
 * the reply is primed with `<|start|>assistant`.
 */
function countHarmony(
  messages: readonly Record<string, unknown>[],
  counter: TokenCounter,
  hasTools: boolean,
): number {
  const names = toolNames(messages);
  // <|start|>system<|message|>…<|end|>, then the priming <|start|>assistant.
  let total =
    3 + counter.count('system') + counter.count(HARMONY_SYSTEM + (hasTools ? HARMONY_TOOLS_LINE : ''));
  total += 1 + counter.count('assistant');
  for (const m of messages) {
    const role = m['role'];
    const content = text(m['content']);
    if (role === 'system' || role === 'developer') {
      total += 3 + counter.count('developer') + counter.count(`# Instructions\n\n${content}`);
    } else if (role === 'assistant') {
      if (content !== '')
        total += 4 + counter.count('assistant') + counter.count('final') + counter.count(content);
      for (const c of callsOf(m)) {
        // <|start|>assistant<|channel|>commentary to=functions.x <|constrain|>json<|message|>{args}<|call|>
        total +=
          5 + counter.count('assistant') + counter.count(`commentary to=functions.${c.function.name} `);
        total += counter.count('json') + counter.count(c.function.arguments);
      }
    } else if (role === 'tool') {
      const name = names.get(text(m['tool_call_id'])) ?? text(m['tool_call_id']);
      // <|start|>functions.x to=assistant<|channel|>commentary<|message|>{output}<|end|>
      total += 4 + counter.count(`functions.${name} to=assistant`) + counter.count('commentary');
      total += counter.count(content);
    } else {
      total += 3 + counter.count(text(role)) + counter.count(content);
    }
  }
  return total;
}

/**
 * Llama 3 (the chat template of its tokenizer_config.json):
 * `<|begin_of_text|>`, then per message
 * `<|start_header_id|>{role}<|end_header_id|>\n\n{content | trim}<|eot_id|>`,
 * and the generation prompt `<|start_header_id|>assistant<|end_header_id|>\n\n`.
 * That template has no tool calls: they are counted as Llama 3.1's template
 * writes them, an assistant message `{"name": …, "parameters": …}` and the
 * result as an `ipython` message (an estimate: the 3.1 template also adds
 * its own system preamble when tools are given).
 */
function countLlama3(messages: readonly Record<string, unknown>[], counter: TokenCounter): number {
  // <|begin_of_text|> and the generation prompt.
  let total = 1 + 2 + counter.count('assistant') + counter.count('\n\n');
  const turn = (role: string, content: string): number =>
    // Jinja's trim is JS's String.prototype.trim in @huggingface/jinja, which vLLM's and HF's templates match on \s.
    3 + counter.count(role) + counter.count(`\n\n${content.trim()}`);
  for (const m of messages) {
    const role = text(m['role']);
    const calls = callsOf(m);
    if (calls.length > 0) {
      for (const c of calls) {
        total += turn('assistant', `{"name": "${c.function.name}", "parameters": ${c.function.arguments}}`);
      }
    } else total += turn(role === 'tool' ? 'ipython' : role, text(m['content']));
  }
  return total;
}

/**
 * Mistral tekken, instruct format V7 (mistral-common):
 * `<s>[SYSTEM_PROMPT]{system}[/SYSTEM_PROMPT][INST]{user}[/INST]{assistant}</s>…`,
 * one token per control token. Tool calls are
 * `[TOOL_CALLS][{"name": …, "arguments": …, "id": …}]</s>` and results
 * `[TOOL_RESULTS]{"content": …, "call_id": …}[/TOOL_RESULTS]` (V7; V11 writes
 * calls as `[TOOL_CALLS]{name}[ARGS]{arguments}`, a few tokens fewer).
 */
function countTekken(messages: readonly Record<string, unknown>[], counter: TokenCounter): number {
  let total = 1; // <s>
  for (const m of messages) {
    const role = m['role'];
    const content = text(m['content']);
    if (role === 'system' || role === 'developer') total += 2 + counter.count(content);
    else if (role === 'user') total += 2 + counter.count(content);
    else if (role === 'assistant') {
      const calls = callsOf(m);
      if (calls.length > 0) {
        const json = calls
          .map(
            (c) =>
              `{"name": ${JSON.stringify(c.function.name)}, "arguments": ${c.function.arguments}, "id": ${JSON.stringify(String(c.id))}}`,
          )
          .join(', ');
        total += 2 + counter.count(`[${json}]`);
      } else total += 1 + counter.count(content);
    } else if (role === 'tool') {
      const json = `{"content": ${JSON.stringify(content)}, "call_id": ${JSON.stringify(text(m['tool_call_id']))}}`;
      total += 2 + counter.count(json);
    } else total += 2 + counter.count(content);
  }
  return total;
}

/**
 * Tokens of a Chat Completions `messages` array rendered with `template`,
 * reply priming included. `hasTools`: the request defines function tools
 * (harmony's system message then says where their calls go).
 */
export function countChatTemplate(
  template: ChatTemplate,
  messages: readonly Record<string, unknown>[],
  counter: TokenCounter,
  hasTools: boolean,
): number {
  switch (template) {
    case 'harmony':
      return countHarmony(messages, counter, hasTools);
    case 'llama3':
      return countLlama3(messages, counter);
    case 'tekken':
      return countTekken(messages, counter);
  }
}
