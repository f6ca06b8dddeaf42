import { CtxpackError, hasMarker, setMarker } from '@ctxpack/block';

const marker: symbol = Symbol.for('ctxpack.error.invalid_mcp_input');

/**
 * Thrown when an MCP value (a `CallToolResult`, a tool definition, a pin
 * file) is not the shape the protocol defines, or exceeds a size limit.
 * `path` points at the offending field, e.g. `content[2].data`.
 *
 * @example
 * try { toolResultToBlocks(result, options) } catch (e) {
 *   if (InvalidMcpInputError.isInstance(e)) console.error(e.code, e.path);
 * }
 */
export class InvalidMcpInputError extends CtxpackError {
  readonly path: string;
  readonly value: unknown;

  constructor({
    path,
    message,
    value,
    cause,
  }: { path: string; message: string; value?: unknown; cause?: unknown }) {
    super({ code: 'invalid_mcp_input', message: `Invalid MCP input at ${path}: ${message}`, cause });
    this.name = 'InvalidMcpInputError';
    this.path = path;
    this.value = value;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is InvalidMcpInputError {
    return hasMarker(error, marker);
  }
}
