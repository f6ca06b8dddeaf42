import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createBlock, InvalidArgumentError } from '@ctxpack/block';
import { createRedisReplayStore, ReplayStoreUnavailableError } from '@ctxpack/replay-redis';
import {
  createLeaf,
  createSigner,
  exportPublicKey,
  generateKeyPair,
  signManifest,
  VerificationError,
  verifyEnvelope,
} from '@ctxpack/sign';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

// REDIS_URL (default redis://127.0.0.1:6379) must answer; the tests fail when it
// does not, unless CTXPACK_SKIP_REDIS=1 says there is deliberately no server.
const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const skip = process.env['CTXPACK_SKIP_REDIS'] === '1';
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

async function ping(): Promise<string | undefined> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG' ? undefined : 'no PONG';
  } catch (e) {
    return String(e);
  } finally {
    probe.disconnect();
  }
}

const unreachable = skip ? 'skipped' : await ping();
const prefix = `ctxpack-test:${process.pid}:${Date.now()}:`;

describe.skipIf(skip)('createRedisReplayStore on a real redis-server', () => {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });

  it(`a server answers at ${url} (set CTXPACK_SKIP_REDIS=1 to skip these tests)`, () => {
    expect(unreachable).toBeUndefined();
  });

  it('claims a nonce once, held until the envelope expiry (PXAT) on the server clock', async () => {
    const store = createRedisReplayStore({ client, prefix });
    const holdUntil = Date.now() + 60_000;
    expect(await store.claim('n-once', { holdUntil })).toBe('claimed');
    expect(await store.claim('n-once', { holdUntil })).toBe('replayed');
    expect(Number(await client.pexpiretime(`${prefix}n-once`))).toBe(holdUntil);
    // A hold time already past on the server's clock is refused, and nothing is stored
    // (Redis would accept SET NX PXAT <past> and keep nothing, so a second claim would win too).
    expect(await store.claim('n-past', { holdUntil: Date.now() - 10_000 })).toBe('expired');
    expect(await store.claim('n-past', { holdUntil: Date.now() - 10_000 })).toBe('expired');
    expect(await client.exists(`${prefix}n-past`)).toBe(0);
    await store.close();
    expect(await client.ping()).toBe('PONG'); // a caller's client stays open
  });

  it('of 50 concurrent claims from two connections exactly one wins', async () => {
    const a = createRedisReplayStore({ url, prefix });
    const b = createRedisReplayStore({ url, prefix });
    const holdUntil = Date.now() + 60_000;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).claim('n-race', { holdUntil })),
    );
    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r === 'replayed')).toHaveLength(49);
    await Promise.all([a.close(), b.close()]);
  });

  it('prefixes keep deployments apart', async () => {
    const one = createRedisReplayStore({ client, prefix: `${prefix}one:` });
    const two = createRedisReplayStore({ client, prefix: `${prefix}two:` });
    expect(await one.claim('shared', { holdUntil: Date.now() + 10_000 })).toBe('claimed');
    expect(await two.claim('shared', { holdUntil: Date.now() + 10_000 })).toBe('claimed');
  });

  it('refuses bad nonces with a typed error', async () => {
    const store = createRedisReplayStore({ client, prefix });
    for (const [nonce, claim, path] of [
      ['', { holdUntil: 1 }, 'nonce'],
      ['x'.repeat(2000), { holdUntil: 1 }, 'nonce'],
      ['ok', { holdUntil: Number.NaN }, 'claim.holdUntil'],
      ['ok', 5, 'claim'],
    ] as const) {
      const err = await store.claim(nonce, claim as never).catch((e: unknown) => e);
      expect(InvalidArgumentError.isInstance(err) && err.path).toBe(path);
    }
  });

  it('two verifier processes race on one envelope: exactly one accepts', async () => {
    const pair = generateKeyPair();
    const block = createBlock({ kind: 'user', tenant: 'acme', content: 'hello' });
    const requestDigest = `sha256:${'c'.repeat(64)}`;
    const now = new Date();
    const { envelope } = await signManifest(
      { tenant: 'acme', audience: 'gw', leaves: [createLeaf(block)], requestDigest, ttlSeconds: 120, now },
      createSigner(pair),
    );
    const dir = mkdtempSync(join(tmpdir(), 'ctxpack-race-'));
    const file = join(dir, 'job.json');
    const job = {
      envelope,
      requestDigest,
      publicKey: exportPublicKey(pair, 'hex'),
      now: now.toISOString(),
      url,
      prefix,
    };
    writeFileSync(file, JSON.stringify(job));
    const script = fileURLToPath(new URL('./fixtures/verifier.ts', import.meta.url));
    const startAt = String(Date.now() + 3_000);
    const spawnVerifier = () =>
      run(process.execPath, ['--conditions=@ctxpack/source', '--import', 'tsx', script, file, startAt], {
        cwd: repoRoot,
        timeout: 25_000,
      });
    const outcomes = (await Promise.all([spawnVerifier(), spawnVerifier()]))
      .map((r) => r.stdout.trim())
      .sort();
    expect(outcomes).toEqual(['accepted', 'replayed']);
  }, 30_000);

  it('works as the replay option of verifyEnvelope', async () => {
    const pair = generateKeyPair();
    const requestDigest = `sha256:${'d'.repeat(64)}`;
    const { envelope } = await signManifest(
      { tenant: 'acme', audience: 'gw', leaves: [], requestDigest, ttlSeconds: 60 },
      createSigner(pair),
    );
    const replay = createRedisReplayStore({ client, prefix });
    const verify = () =>
      verifyEnvelope(
        { envelope, requestDigest },
        { keys: [pair.publicKey], tenant: 'acme', audience: 'gw', replay },
      );
    await verify();
    const err = await verify().catch((e: unknown) => e);
    expect(VerificationError.isInstance(err) && err.code).toBe('replayed');
  });

  it('a verifier whose clock lags cannot replay once the envelope expired on the store clock (issue 12.11: it could)', async () => {
    const pair = generateKeyPair();
    const requestDigest = `sha256:${'e'.repeat(64)}`;
    const signedAt = new Date();
    const { envelope } = await signManifest(
      { tenant: 'acme', audience: 'gw', leaves: [], requestDigest, ttlSeconds: 1, now: signedAt },
      createSigner(pair),
    );
    const replay = createRedisReplayStore({ client, prefix });
    const verifyAt = (now: Date) =>
      verifyEnvelope(
        { envelope, requestDigest },
        { keys: [pair.publicKey], tenant: 'acme', audience: 'gw', replay, now, skewSeconds: 0 },
      );
    await verifyAt(new Date()); // an honest verifier accepts it once
    await new Promise((r) => setTimeout(r, 1_300)); // the envelope has expired: Redis forgot the nonce
    // A verifier whose clock lags by ~0.8 s still sees the envelope as valid (half-way through its life)…
    const err = await verifyAt(new Date(signedAt.getTime() + 500)).catch((e: unknown) => e);
    // …but the store measures the hold on its own clock and refuses.
    expect(VerificationError.isInstance(err) && err.code).toBe('expired');
    expect((err as Error).message).toMatch(/replay store's clock/);
  });
});

describe('createRedisReplayStore without a server', () => {
  it('fails closed with a typed error when Redis does not answer', async () => {
    // Port 1 on loopback: nothing listens there.
    const store = createRedisReplayStore({ url: 'redis://127.0.0.1:1', timeoutMs: 1_000 });
    const err = await store.claim('n', { holdUntil: Date.now() + 1_000 }).catch((e: unknown) => e);
    expect(ReplayStoreUnavailableError.isInstance(err)).toBe(true);
    expect((err as ReplayStoreUnavailableError).code).toBe('replay_store_unavailable');
    await store.close();
  });
  it('validates its options', () => {
    expect(() => createRedisReplayStore({ url, timeoutMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => createRedisReplayStore({ url: 5 as never })).toThrow(InvalidArgumentError);
    expect(() => createRedisReplayStore({ client: {} as never })).toThrow(InvalidArgumentError);
  });
});
