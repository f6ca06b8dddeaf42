import { CtxpackError } from 'ctxpack';

/**
 * A failure the CLI reports in one line and exits on: `usage` (bad flags or
 * arguments, exit 2), `input` (a missing, unreadable or malformed file, exit 2),
 * `check` (the thing checked is bad: a high finding, a failed verification, a
 * broken audit log, exit 1). The message says what to do.
 */
export class CliError extends CtxpackError {
  readonly exitCode: number;

  constructor({
    code,
    message,
    cause,
  }: { code: 'cli_usage' | 'cli_input' | 'cli_check'; message: string; cause?: unknown }) {
    super({ code, message, cause });
    this.name = 'CliError';
    this.exitCode = code === 'cli_check' ? 1 : 2;
  }
}
