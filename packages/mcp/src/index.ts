export type { ToolCaller } from './call-tool.js';
export { callToolAsBlock } from './call-tool.js';
export { canonicalTool, digestToolDefinition } from './digest-tool.js';
export { InvalidMcpInputError } from './invalid-mcp-input-error.js';
export { MCP_LIMITS } from './limits.js';
export { McpInputRequiredError } from './mcp-input-required-error.js';
export type { ToolChange, ToolPin, ToolPins } from './pin-tools.js';
export { diffToolPins, pinTools } from './pin-tools.js';
export type {
  ProxyEvent,
  ProxyFilter,
  ProxyFilterOptions,
  ProxyOutput,
} from './proxy/create-proxy-filter.js';
export { createProxyFilter } from './proxy/create-proxy-filter.js';
export { encodeHeaderValue, mcpRequestHeaders } from './proxy/mcp-request-headers.js';
export type { PendingPin, ProxyListKind, ProxyPin, ProxyPins } from './proxy/proxy-pins.js';
export {
  approvePending,
  createProxyPins,
  PROXY_LIST_KINDS,
  parseProxyPins,
} from './proxy/proxy-pins.js';
export type { ScanListOptions } from './scan-lists.js';
export { scanElicitation, scanPrompts, scanResources, scanToolResult } from './scan-lists.js';
export type { RulesFinding, RulesPins, RulesScanResult } from './scan-rules.js';
export { diffRulesPins, MAX_RULES_CHARS, pinRulesFiles, scanRulesFile } from './scan-rules.js';
export type {
  ScanToolsOptions,
  ToolFinding,
  ToolScanReport,
  ToolScanResult,
  ToolSeverity,
} from './scan-tools.js';
export { scanToolDefinition, scanTools } from './scan-tools.js';
export type { ToolResultOptions, ToolResultPart } from './tool-result-to-block.js';
export { PART_SEPARATOR, TOOL_ERROR_LABEL, toolResultToBlock } from './tool-result-to-block.js';
export type { SchemaViolation } from './validate-json-schema.js';
export { validateJsonSchema } from './validate-json-schema.js';
