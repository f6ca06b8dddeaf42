import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

/** Largest file any command reads (64 MiB): hostile input meets an error, not an out-of-memory crash. */
export const MAX_INPUT_BYTES: number = 64 * 1024 * 1024;

/** Reads a UTF-8 file (or stdin for `-`), with errors that name the file and the fix. */
export async function readInput(io: CliIo, file: string, command: string): Promise<string> {
  if (file === '-') return io.readStdin();
  const path = resolve(io.cwd, file);
  try {
    const info = await stat(path);
    if (info.isDirectory())
      throw new CliError({ code: 'cli_input', message: `${file} is a directory; pass a file.` });
    if (info.size > MAX_INPUT_BYTES) {
      throw new CliError({
        code: 'cli_input',
        message: `${file} is larger than ${MAX_INPUT_BYTES} bytes; split it first.`,
      });
    }
    return await readFile(path, 'utf8');
  } catch (cause) {
    if (CliError.isInstance(cause)) throw cause;
    const code = (cause as { code?: string }).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code ?? cause);
    throw new CliError({
      code: 'cli_input',
      message: `cannot read ${file}: ${why}. Check the path, or run 'ctxpack ${command} --help'.`,
      cause,
    });
  }
}

/** Parses JSON text, failing in one line that names the file. */
export function parseJsonInput(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.split('\n')[0] : 'invalid JSON';
    throw new CliError({
      code: 'cli_input',
      message: `${file} is not JSON (${detail}); expected ${what}.`,
      cause,
    });
  }
}
