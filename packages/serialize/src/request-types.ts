/**
 * The request bodies ctxpack renders, one per target. They are type aliases
 * (not interfaces) so they stay assignable to `Record<string, unknown>`; the
 * type tests check each against the official SDK's parameter types.
 */

/** Chat Completions `messages` (the `openai` SDK's `ChatCompletionMessageParam`). */
export type OpenAIChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string }
  | {
      role: 'assistant';
      content: null;
      tool_calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
    }
  | { role: 'tool'; tool_call_id: string; content: string };

export type OpenAIChatRequest = { messages: OpenAIChatMessage[] };

/** Responses API `input` items (`ResponseInputItem`): easy messages, function calls and their outputs. */
export type OpenAIResponsesInputItem =
  | { type: 'message'; role: 'user' | 'assistant'; content: string }
  | { type: 'function_call'; call_id: string; name: string; arguments: string }
  | { type: 'function_call_output'; call_id: string; output: string };

export type OpenAIResponsesRequest = { instructions?: string; input: OpenAIResponsesInputItem[] };

/** `cache_control` of the Messages API (`CacheControlEphemeral`). */
export type AnthropicCacheControl = { type: 'ephemeral'; ttl?: '5m' | '1h' };

export type AnthropicTextBlock = { type: 'text'; text: string; cache_control?: AnthropicCacheControl };

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | {
      type: 'tool_use';
      id: string;
      name: string;
      input: Record<string, unknown>;
      cache_control?: AnthropicCacheControl;
    }
  | { type: 'tool_result'; tool_use_id: string; content: string; cache_control?: AnthropicCacheControl };

export type AnthropicMessage = { role: 'user' | 'assistant'; content: AnthropicContentBlock[] };

/** Messages API body without `model`/`max_tokens` (`MessageCreateParams`). */
export type AnthropicRequest = { system?: AnthropicTextBlock[]; messages: AnthropicMessage[] };

/** Vercel AI SDK `ModelMessage` (`ai` 5 to 7). */
export type AiSdkMessage =
  | { role: 'user' | 'assistant'; content: string }
  | {
      role: 'assistant';
      content: { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown }[];
    }
  | {
      role: 'tool';
      content: {
        type: 'tool-result';
        toolCallId: string;
        toolName: string;
        output: { type: 'text'; value: string };
      }[];
    };

/** `generateText`/`streamText` options: `system` (the SDK's safe slot for system text) and `messages`. */
export type AiSdkRequest = { system?: string; messages: AiSdkMessage[] };

/** One prompt string, for completion-style and self-hosted models. */
export type TextRequest = { prompt: string };

/** The request body of each target. */
export type RequestFor<T extends string> = T extends 'openai-chat'
  ? OpenAIChatRequest
  : T extends 'openai-responses'
    ? OpenAIResponsesRequest
    : T extends 'anthropic'
      ? AnthropicRequest
      : T extends 'ai-sdk'
        ? AiSdkRequest
        : T extends 'text'
          ? TextRequest
          : never;
