import type { PlannedMessage } from './plan-messages.js';
import type { TargetOutput } from './render-openai-chat.js';
import type { TextRequest } from './request-types.js';
import type { SourceMapEntry } from './source-map.js';
import { rangesOf } from './source-map.js';

/**
 * Completion-style prompt: `[NONCE role]\n` headers, sections separated by a
 * blank line, ending with an open assistant turn. Headers carry the nonce, so
 * text that was not produced here cannot forge a turn (`\n\nHuman:`,
 * `<|im_start|>` are just text): the nonce occurs in no content.
 */
export function renderText(plan: readonly PlannedMessage[], nonce: string): TargetOutput<TextRequest> {
  let prompt = '';
  const sourceMap: SourceMapEntry[] = [];
  plan.forEach((m, index) => {
    if (index > 0) prompt += '\n\n';
    let header: string;
    let body: string;
    if (m.toolCall !== undefined) {
      header = `[${nonce} assistant tool-call ${m.toolCall.name.replace(/[\s[\]]/g, '_')}]\n`;
      body = m.toolCall.arguments;
    } else {
      header = `[${nonce} ${m.role}]\n`;
      body = m.text;
    }
    prompt += header;
    sourceMap.push({
      index,
      path: 'prompt',
      blockIds: m.blockIds,
      ranges: rangesOf(m, 'prompt', prompt.length),
    });
    prompt += body;
  });
  prompt += `${plan.length > 0 ? '\n\n' : ''}[${nonce} assistant]\n`;
  return { request: { prompt }, sourceMap };
}
