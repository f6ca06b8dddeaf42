import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.provenance');

/** Stable codes of {@link ProvenanceError}. */
export type ProvenanceErrorCode =
  | 'invalid_json_value'
  | 'invalid_content'
  | 'invalid_audit_record'
  /** Text that is not strict JSON (see parseStrictJson): the offset and JSON path say where. */
  | 'invalid_json_text';

/**
 * Thrown by the provenance functions on input they cannot digest or
 * canonicalize. `path` points at the offending value (e.g. `messages[2].content`).
 *
 * @example
 * try { canonicalizeJson({ n: Number.NaN }) } catch (e) {
 *   if (ProvenanceError.isInstance(e)) console.error(e.code, e.path); // invalid_json_value n
 * }
 */
export class ProvenanceError extends CtxpackError {
  override readonly code: ProvenanceErrorCode;
  /** Where in the input the problem is; `(root)` for the value itself. */
  readonly path: string;

  constructor({
    code,
    message,
    path,
    cause,
  }: { code: ProvenanceErrorCode; message: string; path: string; cause?: unknown }) {
    super({ code, message: `${message} (at ${path})`, cause });
    this.name = 'ProvenanceError';
    this.code = code;
    this.path = path;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is ProvenanceError {
    return hasMarker(error, marker);
  }
}
