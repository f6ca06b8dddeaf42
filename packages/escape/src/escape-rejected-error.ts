import { CtxpackError, hasMarker, setMarker } from '@ctxpack/block';
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

const invalidMarker: symbol = Symbol.for('ctxpack.error.invalid_escape_options');

/** Thrown for bad sanitizer options (an unknown action, a token that cannot be neutralized). */
export class InvalidEscapeOptionsError extends CtxpackError {
  readonly path: string;
  readonly value: unknown;

  constructor({ path, value, reason }: { path: string; value: unknown; reason: string }) {
    super({ code: 'invalid_escape_options', message: `Invalid escape option ${path}: ${reason}` });
    this.name = 'InvalidEscapeOptionsError';
    this.path = path;
    this.value = value;
    setMarker(this, invalidMarker);
  }

  static override isInstance(error: unknown): error is InvalidEscapeOptionsError {
    return hasMarker(error, invalidMarker);
  }
}

const inputMarker: symbol = Symbol.for('ctxpack.error.invalid_escape_input');

/**
 * Thrown when a function gets input of the wrong type or size: a non-string
 * `text` for `sanitize`/`scan`, a non-array or a non-code-point element for
 * the decoders, an empty or over-long token for `neutralizeToken`. `path`
 * names the argument (`text`, `cps[3]`, `token`).
 *
 * @example
 * try { sanitize(body as string) } catch (e) {
 *   if (InvalidEscapeInputError.isInstance(e)) console.error(e.path, e.message);
 * }
 */
export class InvalidEscapeInputError extends CtxpackError {
  readonly path: string;
  readonly value: unknown;

  constructor({
    value,
    path = 'text',
    reason = 'expected a string',
  }: { value: unknown; path?: string; reason?: string }) {
    super({
      code: 'invalid_escape_input',
      message: `Invalid escape input ${path}: ${reason}, got ${typeName(value)}`,
    });
    this.name = 'InvalidEscapeInputError';
    this.path = path;
    this.value = value;
    setMarker(this, inputMarker);
  }

  static override isInstance(error: unknown): error is InvalidEscapeInputError {
    return hasMarker(error, inputMarker);
  }
}

/** What `value` is, reading no property (a Proxy or getter never runs) and never printing the value itself. */
function typeName(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} code units`;
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
