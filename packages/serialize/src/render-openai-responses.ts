import type { PlannedMessage } from './plan-messages.js';
import type { TargetOutput } from './render-openai-chat.js';
import type { OpenAIResponsesInputItem, OpenAIResponsesRequest } from './request-types.js';
import type { SourceMapEntry } from './source-map.js';
import { rangesOf } from './source-map.js';

/** Separates system texts inside `instructions`. */
export const INSTRUCTIONS_SEPARATOR = '\n\n';

/**
 * Responses API: the preamble and every trusted system text go, in order,
 * into `instructions` (the API's system slot); everything else becomes
 * `input` items — `message` items for user and assistant turns, and a
 * `function_call` / `function_call_output` pair per tool call. Untrusted text
 * never reaches `instructions`: the plan never gives it the system role.
 */
export function renderOpenAIResponses(plan: readonly PlannedMessage[]): TargetOutput<OpenAIResponsesRequest> {
  const input: OpenAIResponsesInputItem[] = [];
  const sourceMap: SourceMapEntry[] = [];
  const instructions = joinSystem(plan, 'instructions');
  for (const m of plan) {
    if (m.role === 'system') continue;
    const index = input.length;
    const path = `input[${index}]`;
    if (m.toolCall !== undefined) {
      const { id, name, arguments: args } = m.toolCall;
      input.push({ type: 'function_call', call_id: id, name, arguments: args });
      sourceMap.push({ index, path, blockIds: m.blockIds, ranges: rangesOf(m, `${path}.arguments`) });
    } else if (m.role === 'tool') {
      input.push({ type: 'function_call_output', call_id: m.toolCallId as string, output: m.text });
      sourceMap.push({ index, path, blockIds: m.blockIds, ranges: rangesOf(m, `${path}.output`) });
    } else {
      input.push({ type: 'message', role: m.role, content: m.text });
      sourceMap.push({ index, path, blockIds: m.blockIds, ranges: rangesOf(m, `${path}.content`) });
    }
  }
  if (instructions === undefined) return { request: { input }, sourceMap };
  return {
    request: { instructions: instructions.text, input },
    sourceMap: [instructions.entry, ...sourceMap],
  };
}

/**
 * Joins every system message (the preamble first) into one string for a
 * target with a single system slot, with its source-map entry; undefined when
 * there is none.
 */
export function joinSystem(
  plan: readonly PlannedMessage[],
  path: string,
): { text: string; entry: SourceMapEntry } | undefined {
  let text = '';
  const entry: SourceMapEntry = { index: 0, path, blockIds: [], ranges: [] };
  let any = false;
  for (const m of plan) {
    if (m.role !== 'system') continue;
    if (any) text += INSTRUCTIONS_SEPARATOR;
    any = true;
    // Loops, not push(...): the merged system blocks are as many as the policy's maxBlocks allows.
    for (const range of rangesOf(m, path, text.length)) entry.ranges.push(range);
    for (const id of m.blockIds) entry.blockIds.push(id);
    text += m.text;
  }
  return any ? { text, entry } : undefined;
}
