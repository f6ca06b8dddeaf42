import { canonicalizeJson, digestContent } from '@ctxpack/provenance';
import { InvalidMcpInputError } from './invalid-mcp-input-error.js';

/**
 * `sha256:` + hex of the RFC 8785 canonical JSON of a whole tool definition —
 * name, description, both schemas at every depth, annotations, `_meta` — so a
 * changed parameter description changes the digest (a description-only hash
 * would miss it).
 *
 * @throws {InvalidMcpInputError} when the definition is not JSON data.
 * @example
 * digestToolDefinition({ name: 'echo', inputSchema: { type: 'object' } }); // 'sha256:…'
 */
export function digestToolDefinition(tool: unknown): string {
  return digestContent(canonicalTool(tool));
}

/** The canonical JSON text of a definition, the bytes {@link digestToolDefinition} hashes. */
export function canonicalTool(tool: unknown): string {
  try {
    return canonicalizeJson(tool);
  } catch (cause) {
    const path = (cause as { path?: unknown }).path;
    throw new InvalidMcpInputError({
      path: typeof path === 'string' ? path : '(tool)',
      message: cause instanceof Error ? cause.message : 'not JSON data',
      cause,
    });
  }
}
