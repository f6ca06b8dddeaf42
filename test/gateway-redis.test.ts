// Key sets (JWKS export/import, the rotation drill through the Node server's
// file polling) and shared state in Redis (the audit-stream chain across
// writers, tampering found by index, fail-closed and recovery). Uses the
// redis-server of test/setup/redis-server.ts (REDIS_URL) and a private one
// that the test stops and starts.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@ctxpack/cli';
import { exportJwks, GatewayConfigError, importJwks } from '@ctxpack/gateway';
import { startGatewayServer } from '@ctxpack/gateway/node';
import { createAuditRecord } from '@ctxpack/provenance';
import { createRedisAuditStream, verifyRedisAuditStream } from '@ctxpack/replay-redis';
import { exportKeyPair, generateKeyPair } from '@ctxpack/sign';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { gatewayConfig, signRequest, verifyCall } from './support/gateway-fixtures.js';
import { createMemoryIo } from './support/memory-io.js';
import { createRedisProcess } from './support/redis-process.js';

const skip = process.env['CTXPACK_SKIP_REDIS'] === '1';
const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const dir = mkdtempSync(join(tmpdir(), 'ctxpack-gateway-'));
const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
redis.on('error', () => undefined);
afterAll(async () => {
  await redis.quit().catch(() => undefined);
});

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('JWKS key sets', () => {
  it('exports OKP/Ed25519 keys with kid = RFC 7638 thumbprint and ctxpack_* members, and imports them back', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const jwks = exportJwks([
      { key: a, tenants: ['acme'], id: 'kms/acme-1' },
      { key: b, status: 'retired', notBefore: '2026-01-01T00:00:00Z', notAfter: '2026-09-01T00:00:00.000Z' },
    ]);
    expect(jwks.keys[0]).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: exportKeyPair(a).x,
      kid: a.keyId,
      alg: 'EdDSA',
      use: 'sig',
      ctxpack_tenants: ['acme'],
      ctxpack_id: 'kms/acme-1',
    });
    expect(jwks.keys[1]).toMatchObject({
      kid: b.keyId,
      ctxpack_status: 'retired',
      ctxpack_not_before: '2026-01-01T00:00:00.000Z',
      ctxpack_not_after: '2026-09-01T00:00:00.000Z',
    });
    expect(JSON.stringify(jwks)).not.toContain(exportKeyPair(a).d as string);
    const keyring = importJwks(JSON.stringify(jwks));
    expect(keyring.get(a.keyId)?.tenants).toEqual(['acme']);
    expect(keyring.get('kms/acme-1')?.key.keyId).toBe(a.keyId);
    expect(keyring.get(b.keyId)).toMatchObject({
      status: 'retired',
      notAfter: Date.parse('2026-09-01T00:00:00Z'),
    });
  });

  it('refuses secret members, a kid that is not the thumbprint, foreign key types, bad keys and times, with paths', () => {
    const a = generateKeyPair();
    const good = exportJwks([{ key: a }]).keys[0] as unknown as Record<string, unknown>;
    const cases: [unknown, string][] = [
      [{ keys: [{ ...good, d: exportKeyPair(a).d }] }, 'keys[0].d'],
      [{ keys: [{ ...good, kid: generateKeyPair().keyId }] }, 'keys[0].kid'],
      [{ keys: [{ ...good, kty: 'EC' }] }, 'keys[0].kty'],
      [{ keys: [good, { ...good, x: 'AAAA' }] }, 'keys[1].x'],
      [{ keys: [{ ...good, x: `${'A'.repeat(42)}A`, kid: undefined }] }, 'keys[0].x'],
      [{ keys: [{ ...good, ctxpack_not_after: 'soon' }] }, 'keys[0].ctxpack_not_after'],
      [{ keys: [good, good] }, 'keys[1]'],
      [{ nokeys: [] }, 'keys'],
      ['{', '(root)'],
    ];
    for (const [input, path] of cases) {
      let error: unknown;
      try {
        importJwks(input, 'keys.jwks.json');
      } catch (e) {
        error = e;
      }
      expect(GatewayConfigError.isInstance(error), path).toBe(true);
      expect((error as GatewayConfigError).path).toBe(path);
    }
  });

  it('rotation drill: add a key, sign with it, retire the old one — verified across the switch without a restart', async () => {
    const old = generateKeyPair();
    const next = generateKeyPair();
    const jwksPath = join(dir, 'rotation.jwks.json');
    const configPath = join(dir, 'rotation.json');
    writeAtomically(jwksPath, JSON.stringify(exportJwks([{ key: old }])));
    writeFileSync(
      configPath,
      JSON.stringify(gatewayConfig({ keySets: { main: { jwks: 'rotation.jwks.json' } } })),
    );
    const server = await startGatewayServer({ configPath, pollMs: 20 });
    const reloads = () =>
      Number(/ctxpack_key_reloads_total\{result="ok"\} (\d+)/.exec(server.handler.metrics.render())?.[1]);
    const verdict = async (signer: typeof old) => {
      const response = await fetch(verifyCall(server.url, await signRequest(signer)));
      return ((await response.json()) as { decision: string; code?: string }).code ?? 'allow';
    };
    try {
      expect(await verdict(old)).toBe('allow');
      expect(await verdict(next)).toBe('key_unknown');
      const before = reloads();
      writeAtomically(jwksPath, JSON.stringify(exportJwks([{ key: old }, { key: next }])));
      await until('the added key', () => reloads() > before);
      expect(await verdict(next)).toBe('allow');
      expect(await verdict(old)).toBe('allow'); // in-flight payloads of the old key still verify
      const retiredAt = reloads();
      writeAtomically(
        jwksPath,
        JSON.stringify(
          exportJwks([
            { key: old, status: 'retired', notAfter: new Date(Date.now() - 1_000) },
            { key: next },
          ]),
        ),
      );
      await until('the retirement', () => reloads() > retiredAt);
      expect(await verdict(old)).toBe('key_revoked');
      expect(await verdict(next)).toBe('allow');
      // A broken file keeps the last good keys (and is counted as a failed reload).
      writeAtomically(jwksPath, '{"keys": [');
      await until('the failed reload', () => /result="failed"\} [1-9]/.test(server.handler.metrics.render()));
      expect(await verdict(next)).toBe('allow');
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(skip)('Redis audit stream', () => {
  it('two writers append concurrently into one intact chain; the CLI verifies it', async () => {
    const stream = `ctxpack:test:audit:${Date.now()}:${Math.random()}`;
    const a = createRedisAuditStream({ url, stream });
    const b = createRedisAuditStream({ url, stream });
    try {
      const appends: Promise<unknown>[] = [];
      for (let i = 0; i < 300; i++) {
        appends.push(a.append(createAuditRecord({ event: 'verify', manifest: { writer: 'a', i } })));
        appends.push(b.append(createAuditRecord({ event: 'verify', manifest: { writer: 'b', i } })));
      }
      await Promise.all(appends);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const result = await verifyRedisAuditStream({ url, stream });
    expect(result).toMatchObject({ ok: true, count: 600 });
    const { io, out } = createMemoryIo(dir);
    expect(await runCli(['audit', 'verify', '--redis', url, '--stream', stream], io)).toBe(0);
    expect(out()).toContain('600 records');
  });

  it('finds a dropped record and an edited record by index (CLI exit 1)', async () => {
    const stream = `ctxpack:test:audit:${Date.now()}:${Math.random()}`;
    const writer = createRedisAuditStream({ url, stream });
    for (let i = 0; i < 20; i++) await writer.append(createAuditRecord({ event: 'verify', manifest: { i } }));
    await writer.close();
    await redis.connect().catch(() => undefined);
    const entries = (await redis.xrange(stream, '-', '+')) as [string, string[]][];
    // Edit: copy the stream with record 7's line changed (stream entries cannot be edited in place).
    const edited = `${stream}:edited`;
    for (const [index, [, fields]] of entries.entries()) {
      const line = fields[3] as string;
      await redis.xadd(
        edited,
        '*',
        'hash',
        fields[1] as string,
        'line',
        index === 7 ? line.replace('"i":7', '"i":70') : line,
      );
    }
    expect(await verifyRedisAuditStream({ url, stream: edited })).toMatchObject({ ok: false, index: 7 });
    const { io, out } = createMemoryIo(dir);
    expect(await runCli(['audit', 'verify', '--redis', url, '--stream', edited], io)).toBe(1);
    expect(out()).toContain('record 7');
    // Drop: delete record 5.
    await redis.xdel(stream, (entries[5] as [string, string[]])[0]);
    expect(await verifyRedisAuditStream({ url, stream })).toMatchObject({ ok: false, index: 5 });
  });
});

describe.skipIf(skip)('gateway on Redis: fail closed, recover without restart', () => {
  it('answers 503 replay_store_unavailable while Redis is down and verifies again once it is back', async () => {
    const signer = generateKeyPair();
    const private_ = createRedisProcess(mkdtempSync(join(tmpdir(), 'ctxpack-redis-')));
    writeFileSync(join(dir, 'redis.jwks.json'), JSON.stringify(exportJwks([{ key: signer }])));
    const configPath = join(dir, 'redis.json');
    writeFileSync(
      configPath,
      JSON.stringify(
        gatewayConfig({
          keySets: { main: { jwks: 'redis.jwks.json' } },
          replay: { store: 'redis', url: private_.url, timeoutMs: 300 },
          audit: { store: 'redis', stream: 'ctxpack:audit', timeoutMs: 300 },
        }),
      ),
    );
    const server = await startGatewayServer({ configPath });
    try {
      const down = await fetch(verifyCall(server.url, await signRequest(signer)));
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ decision: 'deny', code: 'replay_store_unavailable' });
      expect(server.handler.metrics.render()).toMatch(/ctxpack_store_errors_total\{store="replay"\} [1-9]/);
      await private_.start();
      let answer: { decision: string; code?: string } = { decision: 'deny' };
      await until(
        'recovery',
        async () => {
          answer = (await (
            await fetch(verifyCall(server.url, await signRequest(signer)))
          ).json()) as typeof answer;
          return answer.decision === 'allow';
        },
        10_000,
      );
      expect(answer.decision).toBe('allow');
      expect(await verifyRedisAuditStream({ url: private_.url, stream: 'ctxpack:audit' })).toMatchObject({
        ok: true,
        count: 1,
      });
    } finally {
      await server.close();
      await private_.stop();
    }
  });
});
