/** The provider request shapes ctxpack renders. */
export type Target = 'openai-chat' | 'openai-responses' | 'anthropic' | 'ai-sdk' | 'text';

export const TARGETS: readonly Target[] = Object.freeze([
  'openai-chat',
  'openai-responses',
  'anthropic',
  'ai-sdk',
  'text',
]);
