import { spawnSync } from 'node:child_process';
import { createRedisProcess, type RedisProcess } from '../support/redis-process.js';

// Starts a private redis-server on a loopback port for the shared replay-store
// tests and stops it afterwards. REDIS_URL, when set, is used as is. Without a
// redis-server binary the tests are skipped locally (with a notice) but fail in
// CI, where .ci/run installs it.
let server: RedisProcess | undefined;

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
  server = createRedisProcess();
  await server.start();
  process.env['REDIS_URL'] = server.url;
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
