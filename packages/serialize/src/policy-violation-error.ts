import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.policy_violation');

/**
 * A block breaks a serialization policy (tenant isolation, trust → role, label
 * rules, limits). Nothing is rendered when this is thrown.
 */
export class PolicyViolationError extends CtxpackError {
  /** The rule that failed, e.g. `tenant`, `role`, `label`, `max-blocks`. */
  readonly rule: string;
  /** The offending block's id, when one block is to blame. */
  readonly blockId: string | undefined;

  constructor({ rule, blockId, message }: { rule: string; blockId?: string; message: string }) {
    super({
      code: 'policy_violation',
      message: blockId === undefined ? message : `Block "${blockId}": ${message}`,
    });
    this.name = 'PolicyViolationError';
    this.rule = rule;
    this.blockId = blockId;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is PolicyViolationError {
    return hasMarker(error, marker);
  }
}
