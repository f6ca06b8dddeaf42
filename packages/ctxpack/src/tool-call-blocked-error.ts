import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';
import type { ResponseFinding } from './response-finding.js';

const marker: symbol = Symbol.for('ctxpack.error.tool_call_blocked');

/**
 * Thrown by `checkToolCall` when a finding's action is `block`: the call must
 * not run. `findings` lists everything found; `blocked` those that blocked it.
 *
 * @example
 * try { checkToolCall(call, { payload, actions: { default: 'block' } }) } catch (e) {
 *   if (ToolCallBlockedError.isInstance(e)) console.error(e.tool, e.blocked.map((f) => f.kind));
 * }
 */
export class ToolCallBlockedError extends CtxpackError {
  readonly tool: string;
  readonly findings: readonly ResponseFinding[];
  readonly blocked: readonly ResponseFinding[];

  constructor({ name, findings }: { name: string; findings: readonly ResponseFinding[] }) {
    const blocked = findings.filter((f) => f.action === 'block');
    super({
      code: 'tool_call_blocked',
      message: `Tool call ${JSON.stringify(name.slice(0, 100))} blocked: ${blocked.map((f) => f.path ?? f.kind).join(', ')}; approve it or change the action`,
    });
    this.name = 'ToolCallBlockedError';
    this.tool = name;
    this.findings = findings;
    this.blocked = blocked;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is ToolCallBlockedError {
    return hasMarker(error, marker);
  }
}
