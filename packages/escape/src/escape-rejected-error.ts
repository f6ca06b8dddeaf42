import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';
import type { Finding } from './finding.js';

const marker: symbol = Symbol.for('ctxpack.error.escape_rejected');

/**
 * Thrown by `sanitize` when the policy says `reject` for a class and a finding
 * of that class reaches `rejectSeverity`. `findings` lists everything found;
 * `rejected` the findings that caused the rejection.
 *
 * @example
 * try { sanitize(text, { actions: { injection: 'reject' } }) } catch (e) {
 *   if (EscapeRejectedError.isInstance(e)) console.error(e.rejected.map((f) => f.kind));
 * }
 */
export class EscapeRejectedError extends CtxpackError {
  readonly findings: readonly Finding[];
  readonly rejected: readonly Finding[];

  constructor({ findings, rejected }: { findings: readonly Finding[]; rejected: readonly Finding[] }) {
    const kinds = [...new Set(rejected.map((f) => f.kind))].join(', ');
    const first = rejected[0];
    const where = first === undefined ? '' : ` (first at ${first.start}–${first.end})`;
    super({
      code: 'escape_rejected',
      message: `Text rejected by the escape policy: ${rejected.length} finding(s) of kind ${kinds}${where}; change the class action from 'reject' to accept it`,
    });
    this.name = 'EscapeRejectedError';
    this.findings = findings;
    this.rejected = rejected;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is EscapeRejectedError {
    return hasMarker(error, marker);
  }
}
