import { CtxpackError, hasMarker, setMarker } from './ctxpack-error.js';
import { formatPath } from './format-path.js';

const marker: symbol = Symbol.for('ctxpack.error.invalid_block');

/** One problem found while validating a block: where, and what is wrong. */
export interface BlockIssue {
  /** Path into the input, e.g. `['source', 'type']`; empty for the block itself. */
  path: readonly (string | number)[];
  message: string;
}

/**
 * Thrown by `parseBlock` and the block constructors when input is not a valid
 * ContextBlock. `issues` lists every problem, each with its path.
 */
export class InvalidBlockError extends CtxpackError {
  readonly issues: readonly BlockIssue[];

  constructor({ issues, cause }: { issues: readonly BlockIssue[]; cause?: unknown }) {
    const list = issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
    super({ code: 'invalid_block', message: `Invalid context block: ${list}`, cause });
    this.name = 'InvalidBlockError';
    this.issues = issues;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is InvalidBlockError {
    return hasMarker(error, marker);
  }
}
