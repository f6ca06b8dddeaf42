import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';

// Starts a private redis-server on a loopback port for the shared replay-store
// tests and stops it afterwards. REDIS_URL, when set, is used as is. Without a
// redis-server binary the tests are skipped locally (with a notice) but fail in
// CI, where .ci/run installs it.
let server: ChildProcess | undefined;

export async function setup(): Promise<void> {
  if (process.env['REDIS_URL'] !== undefined || process.env['CTXPACK_SKIP_REDIS'] === '1') return;
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    if (process.env['CI']) throw new Error('redis-server is not installed; .ci/run installs it with apt-get');
    process.env['CTXPACK_SKIP_REDIS'] = '1';
    console.warn(
      '[ctxpack] redis-server not found: shared replay-store tests are skipped (apt-get install redis-server)',
    );
    return;
  }
  const port = 20_000 + Math.floor(Math.random() * 30_000);
  server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    { stdio: 'ignore' },
  );
  await waitForPort(port, 10_000);
  process.env['REDIS_URL'] = `redis://127.0.0.1:${port}`;
}

export async function teardown(): Promise<void> {
  server?.kill('SIGTERM');
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not start on 127.0.0.1:${port}`);
}
