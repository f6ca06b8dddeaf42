import { checkCounter, checkText, invalidInput, overLimit } from './check-input.js';
import { BUDGET_LIMITS } from './limits.js';

/**
 * Token framing of the OpenAI Chat Completions format, as documented in
 * OpenAI's cookbook "How to count tokens with tiktoken"
 * (`num_tokens_from_messages`) for gpt-3.5-turbo-0613 and later, gpt-4,
 * gpt-4o and o-series models: each message costs 3 tokens of framing plus
 * the tokens of its role and content,
 * 1 more if it has a `name`, and every reply is primed with 3 tokens
 * (`<|start|>assistant<|message|>`). These are the cookbook's constants for
 * text messages; tool definitions and tool calls add undocumented framing, so
 * pass a `measure` to `fit` for requests that carry them.
 */
export const OPENAI_CHAT_FRAMING: {
  readonly tokensPerMessage: number;
  readonly tokensPerName: number;
  readonly replyPriming: number;
} = Object.freeze({ tokensPerMessage: 3, tokensPerName: 1, replyPriming: 3 });

/** A message as counted by `countOpenAIChatTokens`. */
export interface OpenAIChatMessageText {
  role: string;
  content: string;
  name?: string;
}

/**
 * Tokens of a list of text messages in the OpenAI chat format, counted the
 * cookbook's way: per message 3 + role + content (+ 1 + name), plus 3 for
 * reply priming. At most `BUDGET_LIMITS.maxItems` messages; a malformed
 * message or tokenizer is an `InvalidArgumentError` naming its path
 * (e.g. `messages[2].role`).
 *
 * @example
 * countOpenAIChatTokens([{ role: 'user', content: 'hi' }], createTokenizer('o200k_base')); // 3 + 1 + 1 + 3
 */
export function countOpenAIChatTokens(
  messages: readonly OpenAIChatMessageText[],
  tokenizer: { count(text: string): number },
): number {
  if (!Array.isArray(messages)) invalidInput(['messages'], messages, 'an array of messages');
  if (messages.length > BUDGET_LIMITS.maxItems)
    overLimit(['messages'], 'maxItems', messages.length, 'messages');
  checkCounter(tokenizer, ['tokenizer']);
  let total = OPENAI_CHAT_FRAMING.replyPriming;
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      invalidInput(['messages', i], m, 'a message object');
    }
    const { role, content, name } = m as Record<string, unknown>;
    checkText(role, ['messages', i, 'role']);
    checkText(content, ['messages', i, 'content']);
    total += OPENAI_CHAT_FRAMING.tokensPerMessage + tokenizer.count(role) + tokenizer.count(content);
    if (name !== undefined) {
      checkText(name, ['messages', i, 'name']);
      total += OPENAI_CHAT_FRAMING.tokensPerName + tokenizer.count(name);
    }
  }
  return total;
}

/**
 * Framing overhead of one OpenAI chat message with this role (and name),
 * excluding its content: `overheadTokens` for `fit`.
 *
 * @example
 * openAIChatMessageOverhead('user', createTokenizer('o200k_base')); // 3 + 1
 */
export function openAIChatMessageOverhead(
  role: string,
  tokenizer: { count(text: string): number },
  name?: string,
): number {
  checkText(role, ['role']);
  checkCounter(tokenizer, ['tokenizer']);
  if (name !== undefined) checkText(name, ['name']);
  const named = name === undefined ? 0 : OPENAI_CHAT_FRAMING.tokensPerName + tokenizer.count(name);
  return OPENAI_CHAT_FRAMING.tokensPerMessage + tokenizer.count(role) + named;
}
