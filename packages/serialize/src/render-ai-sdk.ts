import type { PlannedMessage } from './plan-messages.js';
import { parseArguments } from './render-anthropic.js';
import type { TargetOutput } from './render-openai-chat.js';
import { joinSystem } from './render-openai-responses.js';
import type { AiSdkMessage, AiSdkRequest } from './request-types.js';
import type { SourceMapEntry, SourceRange } from './source-map.js';
import { rangesOf } from './source-map.js';

type ToolCallPart = { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown };
type ToolResultPart = {
  type: 'tool-result';
  toolCallId: string;
  toolName: string;
  output: { type: 'text'; value: string };
};

/**
 * Vercel AI SDK (`ai` 5 to 7): the preamble and trusted system texts join into the
 * `system` option (system messages inside `messages` draw the SDK's
 * prompt-injection warning and are refused under `allowSystemInMessages:
 * false`); `messages` is a `ModelMessage[]` with user and assistant text as
 * string content, in order; consecutive tool calls become one assistant
 * message of `tool-call` parts and their results one `tool` message of
 * `tool-result` parts (output `{ type: 'text' }`), right after it.
 */
export function renderAiSdk(plan: readonly PlannedMessage[]): TargetOutput<AiSdkRequest> {
  const messages: AiSdkMessage[] = [];
  const sourceMap: SourceMapEntry[] = [];
  const system = joinSystem(plan, 'system');
  for (let i = 0; i < plan.length; i++) {
    const m = plan[i] as PlannedMessage;
    if (m.role === 'system') continue;
    const index = messages.length;
    const path = `messages[${index}]`;
    if (m.toolCall !== undefined || m.role === 'tool') {
      const blockIds: string[] = [];
      const ranges: SourceRange[] = [];
      if (m.toolCall !== undefined) {
        const parts: ToolCallPart[] = [];
        for (; i < plan.length && plan[i]?.toolCall !== undefined; i++) {
          const c = plan[i] as PlannedMessage & { toolCall: { id: string; name: string; arguments: string } };
          for (const item of rangesOf(c, `${path}.content[${parts.length}].input`)) ranges.push(item);
          for (const item of c.blockIds) blockIds.push(item);
          const input = parseArguments(c.toolCall.arguments, c.blockIds[0] ?? '');
          parts.push({ type: 'tool-call', toolCallId: c.toolCall.id, toolName: c.toolCall.name, input });
        }
        messages.push({ role: 'assistant', content: parts });
      } else {
        const parts: ToolResultPart[] = [];
        for (; i < plan.length && plan[i]?.role === 'tool'; i++) {
          const r = plan[i] as PlannedMessage;
          for (const item of rangesOf(r, `${path}.content[${parts.length}].output.value`)) ranges.push(item);
          for (const item of r.blockIds) blockIds.push(item);
          parts.push({
            type: 'tool-result',
            toolCallId: r.toolCallId as string,
            toolName: r.toolName ?? 'tool',
            output: { type: 'text', value: r.text },
          });
        }
        messages.push({ role: 'tool', content: parts });
      }
      i--;
      sourceMap.push({ index, path, blockIds, ranges });
      continue;
    }
    messages.push({ role: m.role, content: m.text });
    sourceMap.push({ index, path, blockIds: m.blockIds, ranges: rangesOf(m, `${path}.content`) });
  }
  if (system === undefined) return { request: { messages }, sourceMap };
  return { request: { system: system.text, messages }, sourceMap: [system.entry, ...sourceMap] };
}
