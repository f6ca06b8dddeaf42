import type { CliIo } from '@ctxpack/cli';

/** A CliIo over strings, for running `runCli` in-process; `out`/`err` read what was written. */
export function createMemoryIo(cwd: string): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      readStdin: async () => '',
      env: { NO_COLOR: '1' },
      cwd,
    },
    out: () => out,
    err: () => err,
  };
}
