import type { Target } from './target.js';
import { UnsupportedTargetError } from './unsupported-target-error.js';

/** Anything that counts tokens: a `Tokenizer` from `@ctxpack/budget` fits. */
export interface TokenCounter {
  count(text: string): number;
}

/**
 * OpenAI Chat Completions framing, as published in OpenAI's cookbook
 * ("How to count tokens with tiktoken"): every message costs 3 tokens plus
 * the tokens of each of its string values, a `name` 1 more, and the reply is
 * primed with 3. Tool calls are counted as their id, type, name and arguments
 * plus 3 framing tokens each.
 */
export const OPENAI_CHAT_FRAMING: {
  readonly perMessage: number;
  readonly perName: number;
  readonly replyPriming: number;
  readonly perToolCall: number;
} = Object.freeze({ perMessage: 3, perName: 1, replyPriming: 3, perToolCall: 3 });

/**
 * Counts the tokens of a rendered request exactly as it will be sent,
 * framing included. This is the count the budget guarantees.
 *
 * @example
 * countRequestTokens(payload.request, 'openai-chat', createTokenizer('o200k_base'));
 */
export function countRequestTokens(
  request: Record<string, unknown>,
  target: Target,
  counter: TokenCounter,
): number {
  switch (target) {
    case 'openai-chat':
      return countOpenAIChat(request['messages'], counter);
    case 'text':
      return counter.count(String(request['prompt'] ?? ''));
    default:
      throw new UnsupportedTargetError({ target });
  }
}

function countOpenAIChat(messages: unknown, counter: TokenCounter): number {
  const f = OPENAI_CHAT_FRAMING;
  let total = f.replyPriming;
  if (!Array.isArray(messages)) return total;
  for (const message of messages as Record<string, unknown>[]) {
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
