// The two-gateway load scenario shared by test/gateway-load.test.ts (bounded,
// asserts correctness) and bench/gateway-load.ts (longer, reports figures):
// one private redis-server (AOF on), two `ctxpack gateway` processes on it,
// concurrent clients sending valid, replayed, tampered and expired payloads,
// and a Redis restart in the middle.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJwks } from '@ctxpack/gateway';
import { verifyRedisAuditStream } from '@ctxpack/replay-redis';
import type { KeyPair } from '@ctxpack/sign';
import { generateKeyPair } from '@ctxpack/sign';
import { Redis } from 'ioredis';
import { gatewayConfig, type SignedRequest, signRequest } from './gateway-fixtures.js';
import { createRedisProcess } from './redis-process.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const STORE_CODES = new Set(['replay_store_unavailable', 'audit_unavailable']);

export type LoadKind = 'valid' | 'replayed' | 'tampered' | 'expired';

/** One answered request. */
export interface LoadResult {
  kind: LoadKind;
  /** Which signed request (replays share it with their original). */
  payload: number;
  gateway: number;
  code: string;
  id: string;
  ms: number;
  /** Sent while Redis was stopped (or within the restart window). */
  duringOutage: boolean;
}

export interface LoadReport {
  results: LoadResult[];
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
  /** Records in the audit stream, and whether its chain verified. */
  auditCount: number;
  auditOk: boolean;
  /** Decision ids in the audit stream. */
  auditIds: Set<string>;
  /** Answered requests by kind and code. */
  counts: Record<string, number>;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function startGateway(configPath: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@ctxpack/source',
      '--import',
      'tsx',
      'packages/cli/src/bin.ts',
      'gateway',
      '--config',
      configPath,
      '--port',
      '0',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${err}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${err}`)));
  });
  return { url, child };
}

function stopGateway(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

interface Job {
  kind: LoadKind;
  payload: number;
  signed: { body: string; envelope: string };
  gateway: number;
}

/**
 * Runs the scenario: `valid` fresh payloads, each also replayed (the same
 * bytes to the other gateway, concurrently), plus tampered and expired ones,
 * interleaved, `concurrency` clients; Redis is stopped after `restartAfter`
 * of the jobs were sent and started again `outageMs` later.
 */
export async function runGatewayLoad(options: {
  valid: number;
  concurrency: number;
  restartAfter: number;
  outageMs: number;
}): Promise<LoadReport> {
  const dir = mkdtempSync(join(tmpdir(), 'ctxpack-load-'));
  const redis = createRedisProcess(dir);
  await redis.start();
  const signer: KeyPair = generateKeyPair();
  writeFileSync(join(dir, 'keys.jwks.json'), JSON.stringify(exportJwks([{ key: signer }])));
  const stream = 'ctxpack:audit';
  const gateways: { url: string; child: ChildProcess }[] = [];
  try {
    for (const instance of ['gw-a', 'gw-b']) {
      const configPath = join(dir, `${instance}.json`);
      writeFileSync(
        configPath,
        JSON.stringify(
          gatewayConfig({
            instance,
            replay: { store: 'redis', url: redis.url, timeoutMs: 500 },
            audit: { store: 'redis', stream, timeoutMs: 500 },
          }),
        ),
      );
      gateways.push(await startGateway(configPath));
    }

    // Sign everything up front: the clients measure the gateways, not assembly.
    const jobs: Job[] = [];
    const documents = (i: number) =>
      `Invoice 2026-${String(i).padStart(4, '0')}: ${i}.00 EUR, due 31 January.`;
    for (let i = 0; i < options.valid; i++) {
      const signed: SignedRequest = await signRequest(signer, { document: documents(i) });
      jobs.push({ kind: 'valid', payload: i, signed, gateway: i % 2 });
      jobs.push({ kind: 'replayed', payload: i, signed, gateway: (i + 1) % 2 });
      if (i % 4 === 0) {
        const other = await signRequest(signer, { document: documents(i) });
        jobs.push({
          kind: 'tampered',
          payload: options.valid + i,
          signed: { body: other.body.replace('EUR', 'USD'), envelope: other.envelope },
          gateway: i % 2,
        });
      }
      if (i % 4 === 2) {
        const old = await signRequest(signer, {
          document: documents(i),
          now: new Date(Date.now() - 3_600_000),
          ttlSeconds: 60,
        });
        jobs.push({ kind: 'expired', payload: 2 * options.valid + i, signed: old, gateway: i % 2 });
      }
    }

    const results: LoadResult[] = [];
    let next = 0;
    let outage = false;
    let restart: Promise<void> | undefined;
    const started = performance.now();
    const client = async (): Promise<void> => {
      while (next < jobs.length) {
        const index = next++;
        const job = jobs[index] as Job;
        if (index === options.restartAfter && restart === undefined) {
          outage = true;
          restart = (async () => {
            await redis.stop();
            await new Promise((r) => setTimeout(r, options.outageMs));
            await redis.start();
            // Let the gateways' clients reconnect before the window closes.
            await new Promise((r) => setTimeout(r, 1_000));
            outage = false;
          })();
        }
        const duringOutage = outage;
        const t0 = performance.now();
        const response = await fetch(`${(gateways[job.gateway] as { url: string }).url}/verify`, {
          method: 'POST',
          headers: { 'x-ctxpack-envelope': job.signed.envelope, 'x-ctxpack-tenant': 'acme' },
          body: job.signed.body,
        });
        const answer = (await response.json()) as { decision: string; code?: string; id: string };
        results.push({
          kind: job.kind,
          payload: job.payload,
          gateway: job.gateway,
          code: answer.decision === 'allow' ? 'allow' : (answer.code ?? 'unknown'),
          id: answer.id,
          ms: performance.now() - t0,
          duringOutage: duringOutage || outage,
        });
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, client));
    await restart;
    const seconds = (performance.now() - started) / 1000;

    const audit = await verifyRedisAuditStream({ url: redis.url, stream });
    const reader = new Redis(redis.url);
    const auditIds = new Set<string>();
    try {
      const entries = (await reader.xrange(stream, '-', '+')) as [string, string[]][];
      for (const [, fields] of entries) {
        const line = fields[fields.indexOf('line') + 1] as string;
        auditIds.add((JSON.parse(line) as { findings: { id: string } }).findings.id);
      }
    } finally {
      reader.disconnect();
    }
    const sorted = results
      .filter((r) => !r.duringOutage)
      .map((r) => r.ms)
      .sort((a, b) => a - b);
    const counts: Record<string, number> = {};
    for (const r of results) counts[`${r.kind}:${r.code}`] = (counts[`${r.kind}:${r.code}`] ?? 0) + 1;
    return {
      results,
      seconds,
      throughput: results.length / seconds,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      auditCount: audit.ok ? audit.count : -1,
      auditOk: audit.ok,
      auditIds,
      counts,
    };
  } finally {
    for (const gateway of gateways) await stopGateway(gateway.child);
    await redis.stop();
  }
}

/** Whether a code is a store outage (the gateway failed closed without deciding on the payload). */
export function isStoreCode(code: string): boolean {
  return STORE_CODES.has(code);
}
