import type { ContextBlock } from '@ctxpack/block';
import type { PlannedMessage } from './plan-messages.js';
import { planMessages } from './plan-messages.js';
import type { Target } from './target.js';
import { UnsupportedTargetError } from './unsupported-target-error.js';

/** One rendered message and the blocks it came from. */
export interface SourceMapEntry {
  /** Index of the message (or prompt section) in the rendered request. */
  index: number;
  blockIds: string[];
}

export interface RenderOptions {
  target: Target;
  tenant: string;
  /** Boundary nonce, from `createNonce`. */
  nonce: string;
}

export interface Rendered {
  target: Target;
  /** The provider request body (`{ messages }`, `{ prompt }`, …). */
  request: Record<string, unknown>;
  sourceMap: SourceMapEntry[];
}

/**
 * Renders blocks into the request shape of `target`, enforcing policy.
 *
 * @example
 * const nonce = createNonce(blocks.map((b) => b.content));
 * const { request } = render(blocks, { target: 'openai-chat', tenant: 'acme', nonce });
 * await openai.chat.completions.create({ model, ...request });
 */
export function render(blocks: readonly ContextBlock[], options: RenderOptions): Rendered {
  const plan = planMessages(blocks, options);
  const sourceMap = plan.map((m, index) => ({ index, blockIds: m.blockIds }));
  switch (options.target) {
    case 'openai-chat':
      return { target: options.target, request: { messages: plan.map(toOpenAIChat) }, sourceMap };
    case 'text':
      return { target: options.target, request: { prompt: toText(plan, options.nonce) }, sourceMap };
    default:
      throw new UnsupportedTargetError({ target: options.target });
  }
}

function toOpenAIChat(m: PlannedMessage): Record<string, unknown> {
  if (m.toolCall !== undefined) {
    const { id, name, arguments: args } = m.toolCall;
    return {
      role: 'assistant',
      content: null,
      tool_calls: [{ id, type: 'function', function: { name, arguments: args } }],
    };
  }
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, content: m.text };
  return { role: m.role, content: m.text };
}

/**
 * Completion-style prompt. Turn headers carry the nonce, so text that was
 * not produced here cannot forge a turn: the nonce occurs in no content.
 */
function toText(plan: readonly PlannedMessage[], nonce: string): string {
  const parts = plan.map((m) => {
    if (m.toolCall !== undefined) {
      return `[${nonce} assistant tool-call ${m.toolCall.name}]\n${m.toolCall.arguments}`;
    }
    return `[${nonce} ${m.role}]\n${m.text}`;
  });
  return `${parts.join('\n\n')}\n\n[${nonce} assistant]\n`;
}
