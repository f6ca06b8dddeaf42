// The gateway's added latency per request: one `@ctxpack/gateway` handler answering `POST /verify`
// (fetch-style, called directly: no sockets, so what is timed is the gateway's own work) for signed
// requests of about 1k, 8k and 32k tokens, with the memory replay store and no audit, and with Redis
// (replay claims and the audit stream) on a private loopback redis-server this bench starts and stops.
// Both handlers get createNodeCrypto(), as the gateway's Node server (startGatewayServer) sets them up.
// A third path puts the memory-store handler behind Envoy's ext_proc (startExtProcServer, gRPC on
// loopback, the bench as Envoy's filter): what the gRPC hop adds.
// Each request is a fresh signed payload (new nonce), so every one is a full verification that is
// accepted; one request at a time, as a single client sees it. Sizes and stores alternate in short
// rounds so machine load hits them alike. Reports p50/p99 (ms) and the load average at the time.
//
//   cd bench && node --conditions=@ctxpack/source --import tsx gateway-verify.ts [--quick]
//   profile: add --profile=<memory|redis> --tokens=8000 and run under node --cpu-prof
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { GatewayHandler } from '@ctxpack/gateway';
import { createGatewayHandler, exportJwks } from '@ctxpack/gateway';
import { createNodeCrypto, startExtProcServer } from '@ctxpack/gateway/node';
import { createRedisAuditStream, createRedisReplayStore } from '@ctxpack/replay-redis';
import { createMemoryReplayStore, generateKeyPair } from '@ctxpack/sign';
import * as grpc from '@grpc/grpc-js';
import { createContext, encodeEnvelopeHeader } from 'ctxpack';
import { ProcessingRequest, ProcessingResponse } from '../test/support/ext-proc-schema.js';
import { createRedisProcess } from '../test/support/redis-process.js';
import { generateText } from './budget-corpus.js';

const quick = process.argv.includes('--quick');
const profile = process.argv.find((a) => a.startsWith('--profile='))?.slice('--profile='.length);
const profileTokens = Number(process.argv.find((a) => a.startsWith('--tokens='))?.slice(9) ?? 8_000);
const TOKENS = profile === undefined ? [1_000, 8_000, 32_000] : [profileTokens];
const PER_ROUND = quick ? 40 : 100;
const ROUNDS = profile === undefined ? (quick ? 3 : 6) : 1;
const PROFILE_REQUESTS = 1_500;
const DOC_TOKENS = 1_000;

const keyPair = generateKeyPair();
const jwks = JSON.stringify(exportJwks([{ key: keyPair }]));
const config = (replay: 'memory' | 'redis', url = '') => ({
  tenants: [{ id: 'acme', audience: 'gateway', keySet: 'main' }],
  keySets: { main: { jwks: 'keys.jwks.json' } },
  replay: replay === 'memory' ? { store: 'memory' } : { store: 'redis', url },
  audit: replay === 'memory' ? { store: 'none' } : { store: 'redis', stream: 'bench:audit' },
});

interface Signed {
  body: string;
  envelope: string;
}

/** `count` distinct signed requests of about `tokens` tokens (fresh nonces), signed before timing. */
async function signMany(tokens: number, count: number): Promise<Signed[]> {
  const docs = Math.max(1, Math.round(tokens / DOC_TOKENS));
  const texts: string[] = [];
  for (let i = 0; i < docs; i++) texts.push(generateText('prose', Math.round((tokens / docs) * 4), i + 1));
  const out: Signed[] = [];
  for (let n = 0; n < count; n++) {
    const ctx = createContext({ tenant: 'acme', signer: keyPair });
    ctx.system('You are a helpful assistant. Answer from the documents; cite them by name.', {
      pinned: true,
    });
    for (let i = 0; i < docs; i++) ctx.document(texts[i] as string, { type: 'retrieval', name: `doc-${i}` });
    const payload = await ctx.assemble({
      target: 'openai-chat',
      maxTokens: tokens * 2,
      audience: 'gateway',
      ttlSeconds: 3600,
    } as never);
    out.push({ body: JSON.stringify(payload.request), envelope: encodeEnvelopeHeader(payload.envelope) });
  }
  return out;
}

function call(signed: Signed): Request {
  return new Request('http://gateway/verify', {
    method: 'POST',
    headers: { 'x-ctxpack-envelope': signed.envelope, 'content-type': 'application/json' },
    body: signed.body,
  });
}

async function timeOne(handler: GatewayHandler, signed: Signed): Promise<number> {
  const request = call(signed);
  const t0 = performance.now();
  const response = await handler(request);
  const text = await response.text();
  const ms = performance.now() - t0;
  if (response.status !== 200) throw new Error(`expected allow, got ${response.status} ${text}`);
  return ms;
}

const utf8 = new TextEncoder();

/** One request through ext_proc: from Envoy's request_headers message to the answer to its body. */
async function timeExtProc(client: grpc.Client, signed: Signed): Promise<number> {
  const headers = ProcessingRequest.encode(
    ProcessingRequest.fromObject({
      requestHeaders: {
        headers: {
          headers: [
            { key: ':method', rawValue: utf8.encode('POST') },
            { key: 'x-ctxpack-envelope', rawValue: utf8.encode(signed.envelope) },
          ],
        },
      },
    }),
  ).finish();
  const body = ProcessingRequest.encode(
    ProcessingRequest.fromObject({ requestBody: { body: utf8.encode(signed.body), endOfStream: true } }),
  ).finish();
  const t0 = performance.now();
  const call = client.makeBidiStreamRequest(
    '/envoy.service.ext_proc.v3.ExternalProcessor/Process',
    (m: Uint8Array) => Buffer.from(m),
    (b: Buffer) => ProcessingResponse.decode(b) as unknown as Record<string, unknown>,
  );
  const answers: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  call.on('data', (m: Record<string, unknown>) => {
    answers.push(m);
    wake?.();
  });
  call.on('error', () => undefined);
  const answered = (n: number) =>
    new Promise<void>((resolve) => {
      wake = () => answers.length >= n && resolve();
      wake();
    });
  call.write(headers);
  await answered(1);
  call.write(body);
  await answered(2);
  const ms = performance.now() - t0;
  call.end();
  if (answers[1]?.['requestBody'] === undefined)
    throw new Error(`expected continue, got ${JSON.stringify(answers[1])}`);
  return ms;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

const redisDir = mkdtempSync(join(tmpdir(), 'ctxpack-bench-redis-'));
const redis = profile === 'memory' ? undefined : createRedisProcess(redisDir);
await redis?.start();
const closers: (() => Promise<void>)[] = [];
// What startGatewayServer passes: node:crypto's SHA-256 and Ed25519 behind the pinned checks.
const native = createNodeCrypto();
try {
  const handlers: Record<string, GatewayHandler> = {
    memory: createGatewayHandler({
      config: config('memory'),
      loadKeySet: () => jwks,
      replay: createMemoryReplayStore(),
      native,
    }),
  };
  if (redis !== undefined) {
    const replay = createRedisReplayStore({ url: redis.url });
    const audit = createRedisAuditStream({ url: redis.url, stream: 'bench:audit' });
    closers.push(
      () => replay.close(),
      () => audit.close(),
    );
    handlers['redis'] = createGatewayHandler({
      config: config('redis', redis.url),
      loadKeySet: () => jwks,
      replay,
      audit,
      native,
    });
  }
  // Envoy's ext_proc in front of a memory-store handler: one gRPC stream per request, the request
  // headers then the buffered body, each answered before the next is sent (as Envoy does).
  const extProcHandler = createGatewayHandler({
    config: config('memory'),
    loadKeySet: () => jwks,
    replay: createMemoryReplayStore(),
    native,
  });
  const extProc = await startExtProcServer({ handler: extProcHandler, maxBodyBytes: 8 << 20 });
  const grpcClient = new grpc.Client(extProc.address, grpc.credentials.createInsecure());
  closers.push(async () => {
    grpcClient.close();
    await extProc.close();
  });
  const timers: Record<string, (signed: Signed) => Promise<number>> = {};
  for (const [name, handler] of Object.entries(handlers)) timers[name] = (signed) => timeOne(handler, signed);
  timers['ext_proc'] = (signed) => timeExtProc(grpcClient, signed);
  const stores = profile === undefined ? Object.keys(timers) : [profile];
  const perRound = profile === undefined ? PER_ROUND : PROFILE_REQUESTS;
  const samples = new Map<string, number[]>();
  // One round's payloads are signed before the round and dropped after it: a gateway does not hold
  // thousands of 135 KB requests, and a heap that does (1 GB in a full run) slows every scavenge.
  const pools = new Map<number, Signed[]>();
  const refill = async (count: number): Promise<void> => {
    for (const tokens of TOKENS) pools.set(tokens, await signMany(tokens, count));
  };
  const next = (tokens: number): Signed => (pools.get(tokens) as Signed[]).pop() as Signed;
  const bodyBytes = new Map<number, number>();
  // Warm-up: JIT, key import, Redis connections and script cache.
  await refill(5 * stores.length);
  for (const tokens of TOKENS) bodyBytes.set(tokens, (pools.get(tokens) as Signed[])[0]?.body.length ?? 0);
  for (const store of stores)
    for (const tokens of TOKENS)
      for (let i = 0; i < 5; i++) await (timers[store] as (s: Signed) => Promise<number>)(next(tokens));
  const load0 = loadavg()[0] as number;
  // Profile mode: only the timed loop is sampled (signing the pool is not the gateway's work).
  const session = profile === undefined ? undefined : new Session();
  session?.connect();
  await session?.post('Profiler.enable');
  await session?.post('Profiler.setSamplingInterval', { interval: 100 });
  await session?.post('Profiler.start');
  for (let round = 0; round < ROUNDS; round++) {
    if (session !== undefined) await session.post('Profiler.stop');
    await refill(perRound * stores.length);
    if (session !== undefined) await session.post('Profiler.start');
    for (const tokens of TOKENS) {
      for (const store of stores) {
        const key = `${store}\u0000${tokens}`;
        const list = samples.get(key) ?? [];
        samples.set(key, list);
        for (let i = 0; i < perRound; i++)
          list.push(await (timers[store] as (s: Signed) => Promise<number>)(next(tokens)));
      }
    }
  }
  const load1 = loadavg()[0] as number;
  if (session !== undefined) {
    const { profile: cpuProfile } = await session.post('Profiler.stop');
    const out = `gateway-verify-${profile}-${profileTokens}.cpuprofile`;
    writeFileSync(out, JSON.stringify(cpuProfile));
    console.log(`profile written to ${out}`);
  }
  const rows: Record<string, unknown>[] = [];
  for (const [key, list] of samples) {
    const [store, tokens] = key.split('\u0000');
    const sorted = [...list].sort((a, b) => a - b);
    const row = {
      store,
      tokens: Number(tokens),
      bodyBytes: bodyBytes.get(Number(tokens)),
      requests: sorted.length,
      p50Ms: Number(quantile(sorted, 0.5).toFixed(2)),
      p99Ms: Number(quantile(sorted, 0.99).toFixed(2)),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const loadAverage = Number(((load0 + load1) / 2).toFixed(1));
  console.log(`load average (1 min) ${load0.toFixed(1)} → ${load1.toFixed(1)}`);
  if (profile === undefined) {
    mkdirSync(new URL('results/', import.meta.url), { recursive: true });
    writeFileSync(
      new URL('results/gateway-verify.json', import.meta.url),
      `${JSON.stringify({ node: process.version, loadAverage, quick, rows }, null, 2)}\n`,
    );
  }
} finally {
  for (const close of closers) await close().catch(() => undefined);
  await redis?.stop();
}
