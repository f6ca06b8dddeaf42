import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';
import type { MCP_LIMITS } from './limits.js';

const marker: symbol = Symbol.for('ctxpack.error.invalid_mcp_input');

/**
 * Thrown when MCP data — what a server sent (a `CallToolResult`, a tool
 * definition) or a stored pin file — is not the shape the protocol defines,
 * or exceeds {@link MCP_LIMITS}. `path` points at the offending field, e.g.
 * `content[2].data`. A wrong argument of the caller's own (options, a client
 * without `callTool`) is an `InvalidArgumentError` instead: this code means
 * the data is suspect, not the call.
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
