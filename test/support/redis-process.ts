import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';

/**
 * A private redis-server on loopback that a test may stop and start again on
 * the same port. With a `dir`, AOF is on there, so data survives a restart;
 * without one nothing is persisted.
 */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  /** SIGTERM: Redis flushes the AOF and exits; resolves once it has. */
  stop(): Promise<void>;
}

export function createRedisProcess(
  dir?: string,
  port: number = 20_000 + Math.floor(Math.random() * 30_000),
): RedisProcess {
  let child: ChildProcess | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--save', ''],
          ...(dir === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--dir', dir]),
        ],
        { stdio: 'ignore' },
      );
      await waitForPort(port, 10_000);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      await new Promise<void>((done) => {
        running.once('exit', () => done());
        running.kill('SIGTERM');
      });
    },
  };
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
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
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}
