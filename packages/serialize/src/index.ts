export type { ChatTemplate } from './chat-template-framing.js';
export type { RequestFraming } from './count-request-tokens.js';
export {
  CHAT_TEMPLATE_FRAMING,
  countRequestTokens,
  REQUEST_FRAMING,
  requestFraming,
} from './count-request-tokens.js';
export type { ParsedPayload } from './payload-schema.js';
export {
  KNOWN_PAYLOAD_SCHEMAS,
  PAYLOAD_JSON_SCHEMA,
  PAYLOAD_SCHEMA,
  PAYLOAD_SCHEMA_HASH,
  parsePayload,
} from './payload-schema.js';
export type { LabelRule, ResolvedPolicy, Role, SerializePolicy } from './policy.js';
export { DEFAULT_POLICY } from './policy.js';
export { PolicyViolationError } from './policy-violation-error.js';
export type { Rendered, RenderOptions } from './render.js';
export { render } from './render.js';
export type { AnthropicOptions } from './render-anthropic.js';
export { MAX_CACHE_BREAKPOINTS } from './render-anthropic.js';
export type {
  AiSdkMessage,
  AiSdkRequest,
  AnthropicCacheControl,
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicTextBlock,
  OpenAIChatMessage,
  OpenAIChatRequest,
  OpenAIResponsesInputItem,
  OpenAIResponsesRequest,
  RequestFor,
  TextRequest,
} from './request-types.js';
export type { SchemaIssue } from './schema-error.js';
export { SchemaError } from './schema-error.js';
export type { SourceMapEntry, SourceRange } from './source-map.js';
export type { SpotlightConfig, SpotlightMode, SpotlightOption } from './spotlight.js';
export { DATAMARK, SPOTLIGHT_MODES } from './spotlight.js';
export type { Target } from './target.js';
export { TARGETS } from './target.js';
export type { TokenCounter } from './token-counter.js';
export { UnsupportedTargetError } from './unsupported-target-error.js';
