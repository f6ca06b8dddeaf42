import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtxpackError } from '@ctxpack/block';
import { CliError, runCli } from '@ctxpack/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './cli-harness.js';

const cliRoot = join(repoRoot, 'packages/cli');
const { version } = JSON.parse(readFileSync(join(cliRoot, 'package.json'), 'utf8')) as { version: string };

function capture(): { io: Parameters<typeof runCli>[1]; out: () => string } {
  let out = '';
  const stream = {
    write: (s: string) => {
      out += s;
      return true;
    },
  };
  return { io: { stdout: stream, stderr: stream, env: {}, cwd: '/' } as never, out: () => out };
}

describe('ctxpack --version', () => {
  it('prints the version in package.json', async () => {
    for (const flag of ['--version', '-v']) {
      const { io, out } = capture();
      expect(await runCli([flag], io)).toBe(0);
      expect(out()).toBe(`${version}\n`);
    }
  });
});

describe('CliError', () => {
  it('has its own marker: isInstance tells it from other ctxpack errors', () => {
    const e = new CliError({ code: 'cli_check', message: 'x' });
    expect(CliError.isInstance(e)).toBe(true);
    expect(CtxpackError.isInstance(e)).toBe(true);
    expect(CliError.isInstance(new CtxpackError({ code: 'cli_check', message: 'x' }))).toBe(false);
    expect(e.exitCode).toBe(1);
    expect(new CliError({ code: 'cli_usage', message: 'x' }).exitCode).toBe(2);
  });
});

// bin/ctxpack.js, copied next to a package root of our own, so that each branch
// (a build present, no build yet) can be exercised without touching the real dist/.
describe('bin/ctxpack.js launcher', () => {
  const root = mkdtempSync(join(tmpdir(), 'ctxpack-launcher-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  const pkg = join(root, 'cli');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  cpSync(join(cliRoot, 'bin/ctxpack.js'), join(pkg, 'bin/ctxpack.js'));
  cpSync(join(cliRoot, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(cliRoot, 'src'), join(pkg, 'src'), 'dir');
  const launch = (...args: string[]) =>
    spawnSync(process.execPath, [join(pkg, 'bin/ctxpack.js'), ...args], { encoding: 'utf8', cwd: root });

  it('before a build, runs the TypeScript source (fresh clone)', () => {
    const result = launch('--version');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${version}\n`);
    expect(result.status).toBe(0);
    const usage = launch('frobnicate');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("unknown command 'frobnicate'");
  });

  it('after a build, runs dist/bin.js', () => {
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(
      join(pkg, 'dist/bin.js'),
      "process.stdout.write('built ' + process.argv.slice(2).join(' ') + '\\n'); process.exitCode = 3;\n",
    );
    const result = launch('a', 'b');
    expect(result.stdout).toBe('built a b\n');
    expect(result.status).toBe(3);
  });
});
