import type { LanguageModelV4Message, LanguageModelV4Prompt } from '@ai-sdk/provider';

/** The `ai-sdk` target's request (`{ system?, messages }`), as ctxpack renders it. */
export interface RenderedAiSdkRequest {
  system?: string;
  messages: readonly {
    role: 'user' | 'assistant' | 'tool';
    content:
      | string
      | readonly (
          | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown }
          | {
              type: 'tool-result';
              toolCallId: string;
              toolName: string;
              output: { type: 'text'; value: string };
            }
        )[];
  }[];
}

/**
 * The rendered request back in the provider prompt form a model receives
 * (`LanguageModelV4Prompt`): the system text first, string contents as one
 * text part, tool calls and results as their parts.
 */
export function toProviderPrompt(request: RenderedAiSdkRequest): LanguageModelV4Prompt {
  const prompt: LanguageModelV4Message[] = [];
  if (request.system !== undefined) prompt.push({ role: 'system', content: request.system });
  for (const m of request.messages) {
    if (typeof m.content === 'string') {
      const text = [{ type: 'text' as const, text: m.content }];
      prompt.push(m.role === 'user' ? { role: 'user', content: text } : { role: 'assistant', content: text });
      continue;
    }
    if (m.role === 'tool') {
      prompt.push({
        role: 'tool',
        content: m.content.flatMap((p) =>
          p.type === 'tool-result'
            ? [{ type: 'tool-result', toolCallId: p.toolCallId, toolName: p.toolName, output: p.output }]
            : [],
        ),
      });
    } else {
      prompt.push({
        role: 'assistant',
        content: m.content.flatMap((p) =>
          p.type === 'tool-call'
            ? [{ type: 'tool-call', toolCallId: p.toolCallId, toolName: p.toolName, input: p.input }]
            : [],
        ),
      });
    }
  }
  return prompt;
}
