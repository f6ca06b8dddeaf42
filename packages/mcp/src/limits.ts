/** Bounds on MCP input, so hostile servers meet a typed error instead of unbounded work. */
export const MCP_LIMITS: {
  readonly maxContentParts: number;
  readonly maxBinaryChars: number;
  readonly maxToolsPerList: number;
  readonly maxDefinitionNodes: number;
  readonly maxDefinitionDepth: number;
  readonly maxFindingsPerTool: number;
  readonly maxSchemaSteps: number;
  readonly maxMetaChars: number;
} = Object.freeze({
  /** Content items in one `CallToolResult`. */
  maxContentParts: 1024,
  /** Base64 characters of one image, audio or blob (64 MiB). */
  maxBinaryChars: 64 * 1024 * 1024,
  /** Tools in one `tools/list` answer. */
  maxToolsPerList: 4096,
  /** Strings, keys, arrays and objects walked in one tool definition. */
  maxDefinitionNodes: 20_000,
  /** Nesting of one tool definition (schemas included). */
  maxDefinitionDepth: 64,
  /** Findings kept per tool; the rest are counted in a final `finding-limit` finding. */
  maxFindingsPerTool: 256,
  /** Schema evaluations while validating one `structuredContent` against an `outputSchema` (bounds composition and `$ref` recursion). */
  maxSchemaSteps: 100_000,
  /** Characters of canonical JSON of a `_meta` object kept in block metadata; larger ones are kept as a digest. */
  maxMetaChars: 16 * 1024,
});
