import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.cli');

/** What went wrong, and so the exit status: see {@link CliError}. */
export type CliErrorCode = 'cli_usage' | 'cli_input' | 'cli_check';

/**
 * A failure the CLI reports in one line and exits on: `cli_usage` (bad flags
 * or arguments, exit 2), `cli_input` (a missing, unreadable or malformed file,
 * exit 2), `cli_check` (the thing checked is bad: a high finding, a failed
 * verification, a broken audit log, exit 1). The message says what to do.
 *
 * @example
 * try { await runCommand() } catch (e) {
 *   if (CliError.isInstance(e)) process.exitCode = e.exitCode;
 * }
 */
export class CliError extends CtxpackError {
  override readonly code: CliErrorCode;
  readonly exitCode: 1 | 2;

  constructor({ code, message, cause }: { code: CliErrorCode; message: string; cause?: unknown }) {
    super({ code, message, cause });
    this.name = 'CliError';
    this.code = code;
    this.exitCode = code === 'cli_check' ? 1 : 2;
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is CliError {
    return hasMarker(error, marker);
  }
}
