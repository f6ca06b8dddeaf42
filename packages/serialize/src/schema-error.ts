import { CtxpackError } from '@ctxpack/block';
import { formatPath, hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.schema_error');

/** One difference between a payload and the schema: where, and what. */
export interface SchemaIssue {
  path: readonly (string | number)[];
  message: string;
}

/**
 * A payload does not match the schema this build reads: an unknown or
 * missing version, a schema hash that differs (the format drifted), or
 * missing, extra or mistyped fields. `issues` lists each with its path.
 */
export class SchemaError extends CtxpackError {
  readonly issues: readonly SchemaIssue[];

  constructor({ issues, cause }: { issues: readonly SchemaIssue[]; cause?: unknown }) {
    const shown = issues.slice(0, 10).map((i) => `${formatPath(i.path)}: ${i.message}`);
    if (issues.length > 10) shown.push(`… and ${issues.length - 10} more`);
    super({ code: 'schema_error', message: `Payload does not match its schema: ${shown.join('; ')}`, cause });
    this.name = 'SchemaError';
    this.issues = issues;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is SchemaError {
    return hasMarker(error, marker);
  }
}
