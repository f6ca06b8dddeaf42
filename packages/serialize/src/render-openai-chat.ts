import type { PlannedMessage } from './plan-messages.js';
import type { OpenAIChatMessage, OpenAIChatRequest } from './request-types.js';
import type { SourceMapEntry, SourceRange } from './source-map.js';
import { rangesOf } from './source-map.js';

/** What each target renderer returns. */
export interface TargetOutput<R> {
  request: R;
  sourceMap: SourceMapEntry[];
}

/**
 * Chat Completions: one message per planned message, in order; consecutive
 * tool calls become one assistant message with several `tool_calls` (parallel
 * calls), each answered by a `tool` message right after it.
 */
export function renderOpenAIChat(plan: readonly PlannedMessage[]): TargetOutput<OpenAIChatRequest> {
  const messages: OpenAIChatMessage[] = [];
  const sourceMap: SourceMapEntry[] = [];
  for (let i = 0; i < plan.length; i++) {
    const m = plan[i] as PlannedMessage;
    const index = messages.length;
    const path = `messages[${index}]`;
    if (m.toolCall !== undefined) {
      const calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
      const blockIds: string[] = [];
      const ranges: SourceRange[] = [];
      for (; i < plan.length && plan[i]?.toolCall !== undefined; i++) {
        const c = plan[i] as PlannedMessage & { toolCall: { id: string; name: string; arguments: string } };
        for (const item of rangesOf(c, `${path}.tool_calls[${calls.length}].function.arguments`))
          ranges.push(item);
        for (const item of c.blockIds) blockIds.push(item);
        calls.push({
          id: c.toolCall.id,
          type: 'function',
          function: { name: c.toolCall.name, arguments: c.toolCall.arguments },
        });
      }
      i--;
      messages.push({ role: 'assistant', content: null, tool_calls: calls });
      sourceMap.push({ index, path, blockIds, ranges });
      continue;
    }
    if (m.role === 'tool') {
      messages.push({ role: 'tool', tool_call_id: m.toolCallId as string, content: m.text });
    } else {
      messages.push({ role: m.role, content: m.text });
    }
    sourceMap.push({ index, path, blockIds: m.blockIds, ranges: rangesOf(m, `${path}.content`) });
  }
  return { request: { messages }, sourceMap };
}
