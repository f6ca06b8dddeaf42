import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));
export const bin: string = join(repoRoot, 'packages/cli/dist/bin.js');

function newest(dir: string): number {
  let best = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    best = Math.max(best, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return best;
}

/**
 * The tests run the BUILT binary. CI runs `pnpm build` first; locally the CLI
 * and the packages it depends on are rebuilt when a source is newer than its dist
 * (CTXPACK_CLI_PREBUILT=1 uses the dist as it is).
 */
export function ensureBuilt(): void {
  if (process.env['CTXPACK_CLI_PREBUILT'] === '1' && existsSync(bin)) return;
  const packages = ['block', 'escape', 'provenance', 'budget', 'serialize', 'sign', 'ctxpack', 'mcp', 'cli'];
  const stale = packages.some((p) => {
    const dist = join(repoRoot, 'packages', p, 'dist', p === 'cli' ? 'bin.js' : 'index.js');
    return !existsSync(dist) || newest(join(repoRoot, 'packages', p, 'src')) > statSync(dist).mtimeMs;
  });
  if (stale) {
    execFileSync('pnpm', ['--filter', '@ctxpack/cli...', 'run', 'build'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node packages/cli/dist/bin.js …args` in `cwd`, feeding `input` on stdin. */
export function runBin(
  args: readonly string[],
  options: { cwd: string; input?: string; env?: Record<string, string> },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
