import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';
import type { ResponseFinding } from './response-finding.js';

const marker: symbol = Symbol.for('ctxpack.error.response_blocked');

/**
 * Thrown by `checkResponse` (and raised by `createResponseGuard`'s stream)
 * when a finding's action is `block`. `findings` lists everything found;
 * `blocked` the findings whose action was `block`.
 *
 * @example
 * try { checkResponse(answer, { payload, actions: { 'tainted-url': 'block' } }) } catch (e) {
 *   if (ResponseBlockedError.isInstance(e)) console.error(e.blocked.map((f) => f.kind));
 * }
 */
export class ResponseBlockedError extends CtxpackError {
  readonly findings: readonly ResponseFinding[];
  readonly blocked: readonly ResponseFinding[];

  constructor({ findings }: { findings: readonly ResponseFinding[] }) {
    const blocked = findings.filter((f) => f.action === 'block');
    const kinds = [...new Set(blocked.map((f) => f.kind))].join(', ');
    super({
      code: 'response_blocked',
      message: `Model output blocked: ${blocked.length} finding(s) of kind ${kinds} (first at ${blocked[0]?.start ?? 0}); set the kind's action to 'report' or 'redact' to let it through`,
    });
    this.name = 'ResponseBlockedError';
    this.findings = findings;
    this.blocked = blocked;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is ResponseBlockedError {
    return hasMarker(error, marker);
  }
}
