#!/usr/bin/env node
// The `ctxpack` command. Runs the build (dist/bin.js) when there is one. In a
// fresh clone before `pnpm build`, it runs the TypeScript source instead:
// through tsx (a root devDependency), with the `@ctxpack/source` export
// condition so the workspace packages resolve to their src/ too.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    process.stderr.write(
      'ctxpack: @ctxpack/cli is not built and tsx is not installed to run its source; run `pnpm build`.\n',
    );
    process.exit(2);
  }
  const source = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
  const child = spawnSync(
    process.execPath,
    ['--conditions=@ctxpack/source', '--import', tsx, source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  if (child.error) throw child.error;
  // A child killed by a signal exits as a shell reports it: 128 + the signal number.
  process.exitCode = child.status ?? 128 + (constants.signals[child.signal] ?? 0);
}
