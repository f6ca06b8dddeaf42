// The independent count the budget is checked against: js-tiktoken itself
// (not our tokenizer) plus OpenAI's published chat framing (cookbook
// num_tokens_from_messages: 3 per message, 1 per name, 3 to prime the reply;
// a tool call as 3 + its id, type, name and arguments).
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';

const reference = new Tiktoken(o200k);

/** js-tiktoken's o200k_base count, special-token text counted as plain text. */
export const countRef = (s: string): number => reference.encode(s, [], []).length;

interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

/** The tokens of an OpenAI Chat Completions `messages` array, framing included. */
export function countChatRef(messages: Record<string, unknown>[]): number {
  let total = 3;
  for (const m of messages) {
    total += 3;
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string') total += countRef(v) + (k === 'name' ? 1 : 0);
    }
    for (const c of (m['tool_calls'] ?? []) as ToolCall[]) {
      total +=
        3 + countRef(c.id) + countRef(c.type) + countRef(c.function.name) + countRef(c.function.arguments);
    }
  }
  return total;
}
