import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.mcp_input_required');

/**
 * Thrown when a server answers a request with an MCP 2026-07-28
 * `InputRequiredResult` (`resultType: "input_required"`): not tool output,
 * but requests (elicitation, sampling, roots) the client must fulfil before
 * retrying. The requests and the opaque `requestState` are handed back
 * unchanged, so the caller can answer them and retry with `inputResponses`.
 *
 * @example
 * try { toolResultToBlock(result, options) } catch (e) {
 *   if (McpInputRequiredError.isInstance(e)) await answer(e.inputRequests, e.requestState);
 * }
 */
export class McpInputRequiredError extends CtxpackError {
  /** The server's `inputRequests` map (key → request), as received. */
  readonly inputRequests: Readonly<Record<string, unknown>>;
  /** The server's opaque `requestState`, to be passed back verbatim. */
  readonly requestState: string | undefined;

  constructor({
    inputRequests,
    requestState,
  }: { inputRequests: Record<string, unknown>; requestState: string | undefined }) {
    const keys = Object.keys(inputRequests);
    super({
      code: 'mcp_input_required',
      message: `The server needs input before it can answer (${keys.length} input request(s)${
        requestState === undefined ? '' : ', with request state'
      }); this is not tool output`,
    });
    this.name = 'McpInputRequiredError';
    this.inputRequests = inputRequests;
    this.requestState = requestState;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is McpInputRequiredError {
    return hasMarker(error, marker);
  }
}
