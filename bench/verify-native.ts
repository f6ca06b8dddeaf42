// Verifications per second per core, native path vs noble path, side by side in one run, for
// requests of about 1k, 8k, 32k and 128k tokens, and where the time of one verification goes.
//
//   noble  — verifyPayload with { ed25519: 'noble', hash: 'noble' }: pure JS everywhere (today's behaviour
//            below 64 KiB, where the old native-hash threshold was)
//   native — verifyPayload with the defaults ({ ed25519: 'auto', hash: 'auto' }): WebCrypto Ed25519 behind
//            the pinned pre-checks, WebCrypto SHA-256 from 4 KiB (any runtime: browsers, workers, Deno, Bun)
//   node   — the defaults plus native: createNodeCrypto() (@ctxpack/gateway/node, what the gateway server
//            passes): node:crypto's synchronous SHA-256 and Ed25519 behind the same pinned checks
//
// A verification is what a gateway runs per request: verifyPayload({ body, envelope }) — strict parse of the
// raw body (JSON.stringify of the request: params first, member order not RFC 8785's, as the guarded fetch
// and SDKs send it) and its RFC 8785 bytes (JSON.parse plus the strictness checks; the body's own slices
// put in order), SHA-256, the envelope and manifest checks, one Ed25519 signature
// (replay: false, so no store round trip is timed). "full" also gives every leaf header, as an auditor
// would: the Merkle root over them is rebuilt (content digests are not rechecked here).
//
// Rates are measured two ways: sequential wall-clock (one verification at a time, as one request is
// served) and per CPU-second of this process (process.cpuUsage, every thread: WebCrypto work runs on
// libuv's pool), which is the per-core figure. Paths alternate in short rounds so machine load hits both.
//
//   cd bench && node --conditions=@ctxpack/source --import tsx verify-native.ts [--quick]
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createNodeCrypto } from '@ctxpack/gateway/node';
import {
  canonicalizeJson,
  canonicalizeStrictJson,
  digestContent,
  digestContentAsync,
  parseStrictJson,
} from '@ctxpack/provenance';
import { createKeyring, generateKeyPair } from '@ctxpack/sign';
import {
  encodePae,
  hashLeafHeader,
  hasNativeEd25519,
  MANIFEST_PAYLOAD_TYPE,
  merkleRoot,
  verifyEd25519,
  verifyEd25519Async,
} from '@ctxpack/sign/primitives';
import { createContext, verifyPayload } from 'ctxpack';
import { canonicalStrictJsonBytes } from '../packages/provenance/src/parse-strict-json.js';
import { generateText, median } from './budget-corpus.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const ROUND_MS = quick ? 250 : 600;
const TARGETS = [1_000, 8_000, 32_000, 128_000];
const DOC_TOKENS = 1_000; // documents of ~1k tokens each, plus a system prompt

if (!(await hasNativeEd25519())) throw new Error('this runtime has no WebCrypto Ed25519: nothing to compare');

const keyPair = generateKeyPair();
const keys = createKeyring([{ key: keyPair.publicKey }]);
const now = new Date();
const encoder = new TextEncoder();
const nodeCrypto = createNodeCrypto();
const PATHS = {
  noble: { ed25519: 'noble', hash: 'noble' },
  native: { ed25519: 'auto', hash: 'auto' },
  node: { ed25519: 'auto', hash: 'auto', native: nodeCrypto },
} as const;
const PATH_NAMES = ['noble', 'native', 'node'] as const;
type PathName = keyof typeof PATHS;

async function assembleRequest(tokens: number, charsPerToken: number) {
  const ctx = createContext({ tenant: 'acme', signer: keyPair });
  ctx.system('You are a helpful assistant. Answer from the documents; cite them by name.', { pinned: true });
  const docs = Math.max(1, Math.round(tokens / DOC_TOKENS));
  const chars = Math.round((tokens / docs) * charsPerToken);
  for (let i = 0; i < docs; i++) {
    ctx.document(generateText('prose', chars, i + 1), { type: 'retrieval', name: `doc-${i}` });
  }
  return ctx.assemble({ target: 'openai-chat', maxTokens: tokens * 2, ttlSeconds: 3600, now });
}

/** Runs `fn` repeatedly for `ms`; returns the count, wall ms and CPU ms (user + system, all threads). */
async function burst(
  fn: () => Promise<unknown>,
  ms: number,
): Promise<{ n: number; wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    await fn();
    n++;
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { n, wall, cpu: (cpu.user + cpu.system) / 1000 };
}

/**
 * Median CPU µs of one call of `fn` (this process, every thread), over rounds of `n` calls: CPU time,
 * unlike wall time, does not count the time other jobs on a loaded machine hold the core.
 */
async function micros(fn: () => unknown, n: number): Promise<number> {
  for (let i = 0; i < Math.min(n, 20); i++) await fn();
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await fn();
    const cpu = process.cpuUsage(cpu0);
    samples.push((cpu.user + cpu.system) / n);
  }
  return median(samples);
}

interface PathResult {
  perSecWall: number;
  perCpuSecond: number;
  fullPerSecWall: number;
  fullPerCpuSecond: number;
}
interface Row {
  targetTokens: number;
  requestTokens: number;
  bodyBytes: number;
  blocks: number;
  noble: PathResult;
  native: PathResult;
  node: PathResult;
  /** native (WebCrypto) over noble, per CPU-second and wall. */
  speedupPerCore: number;
  speedupWall: number;
  /** node (node:crypto) over noble, per CPU-second and wall. */
  nodeSpeedupPerCore: number;
  nodeSpeedupWall: number;
  /** CPU µs per verification, by stage; `other` = end-to-end CPU time minus the stages. */
  breakdown: Record<PathName, Record<string, number>>;
}

const rows: Row[] = [];
let charsPerToken = 4;
for (const target of TARGETS) {
  let payload = await assembleRequest(target, charsPerToken);
  // One calibration pass so each row lands near its token count (prose here is ~4.5 chars per token).
  charsPerToken *= target / payload.report.requestTokens;
  payload = await assembleRequest(target, charsPerToken);
  const body = JSON.stringify(payload.request);
  const bodyBytes = encoder.encode(body).length;
  const { envelope, leaves } = payload;
  const verify = (path: PathName) => () =>
    verifyPayload(
      { body, envelope },
      { keys, tenant: 'acme', audience: payload.manifest.audience, replay: false, now, ...PATHS[path] },
    );
  const verifyFull = (path: PathName) => () =>
    verifyPayload(
      { body, envelope, leaves },
      { keys, tenant: 'acme', audience: payload.manifest.audience, replay: false, now, ...PATHS[path] },
    );
  // Correctness first: both paths accept.
  for (const path of PATH_NAMES) {
    await verify(path)();
    await verifyFull(path)();
  }

  const totals: Record<string, { n: number; wall: number; cpu: number }> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of PATH_NAMES.flatMap((path) => [
      [path, verify(path)] as const,
      [`${path}-full`, verifyFull(path)] as const,
    ])) {
      const b = await burst(fn, ROUND_MS);
      totals[name] ??= { n: 0, wall: 0, cpu: 0 };
      const t = totals[name];
      t.n += b.n;
      t.wall += b.wall;
      t.cpu += b.cpu;
    }
  }
  const rate = (name: string, by: 'wall' | 'cpu'): number => {
    const t = totals[name] as { n: number; wall: number; cpu: number };
    return Math.round(t.n / (t[by] / 1000));
  };
  const result = (path: PathName): PathResult => ({
    perSecWall: rate(path, 'wall'),
    perCpuSecond: rate(path, 'cpu'),
    fullPerSecWall: rate(`${path}-full`, 'wall'),
    fullPerCpuSecond: rate(`${path}-full`, 'cpu'),
  });

  // Where the time goes, stage by stage, on each path.
  const n = target >= 100_000 ? 20 : target >= 30_000 ? 60 : 200;
  const request = parseStrictJson(body);
  const canonical = new TextEncoder().encode(canonicalizeJson(request));
  const pae = encodePae(MANIFEST_PAYLOAD_TYPE, Buffer.from(envelope.payload, 'base64'));
  const sig = Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64');
  const parse = await micros(() => parseStrictJson(body), n);
  const canonicalize = await micros(() => canonicalizeJson(request), n);
  // What verifyPayload runs on a raw body: the strict parse and the RFC 8785 bytes (digestStrictJson's input).
  const onePass = await micros(() => canonicalStrictJsonBytes(body), n);
  const jsParser = await micros(() => canonicalizeStrictJson(body.replace('{', '{ ')), n);
  const merkle = await micros(() => merkleRoot(leaves.map((leaf) => hashLeafHeader(leaf))), n);
  const breakdown = {} as Row['breakdown'];
  for (const path of PATH_NAMES) {
    const hash =
      path === 'noble'
        ? await micros(() => digestContent(canonical), n)
        : path === 'native'
          ? await micros(() => digestContentAsync(canonical, { hash: 'auto' }), n)
          : await micros(() => nodeCrypto.sha256(canonical), n);
    const signature =
      path === 'noble'
        ? await micros(() => verifyEd25519(sig, pae, keyPair.publicKey), n)
        : path === 'native'
          ? await micros(() => verifyEd25519Async(sig, pae, keyPair.publicKey), n)
          : await micros(() => verifyEd25519Async(sig, pae, keyPair.publicKey, { native: nodeCrypto }), n);
    const total = 1e6 / rate(path, 'cpu');
    const totalFull = 1e6 / rate(`${path}-full`, 'cpu');
    breakdown[path] = {
      parseAndCanonicalize: Math.round(onePass),
      /** The same with one space added: the text is no longer in JSON.stringify's spelling (rewrite path). */
      otherSpelling: Math.round(jsParser),
      twoPassParse: Math.round(parse),
      twoPassCanonicalize: Math.round(canonicalize),
      hash: Math.round(hash),
      signature: Math.round(signature),
      other: Math.round(Math.max(0, total - onePass - hash - signature)),
      total: Math.round(total),
      merkle: Math.round(merkle),
      totalFull: Math.round(totalFull),
    };
  }
  const noble = result('noble');
  const native = result('native');
  const node = result('node');
  const row: Row = {
    targetTokens: target,
    requestTokens: payload.report.requestTokens,
    bodyBytes,
    blocks: leaves.length,
    noble,
    native,
    node,
    speedupPerCore: native.perCpuSecond / noble.perCpuSecond,
    speedupWall: native.perSecWall / noble.perSecWall,
    nodeSpeedupPerCore: node.perCpuSecond / noble.perCpuSecond,
    nodeSpeedupWall: node.perSecWall / noble.perSecWall,
    breakdown,
  };
  rows.push(row);
  console.log(
    `${String(row.requestTokens).padStart(7)} tokens ${String(Math.round(bodyBytes / 1024)).padStart(4)} KiB ${String(row.blocks).padStart(3)} leaves | ` +
      `per CPU-s noble ${noble.perCpuSecond} native ${native.perCpuSecond} (${row.speedupPerCore.toFixed(1)}×) node ${node.perCpuSecond} (${row.nodeSpeedupPerCore.toFixed(1)}×) | ` +
      `wall noble ${noble.perSecWall}/s native ${native.perSecWall}/s node ${node.perSecWall}/s (${row.nodeSpeedupWall.toFixed(1)}×) | ` +
      `full noble ${noble.fullPerCpuSecond} native ${native.fullPerCpuSecond} node ${node.fullPerCpuSecond} per CPU-s`,
  );
  for (const path of PATH_NAMES) console.log(`   ${path.padEnd(6)} µs`, JSON.stringify(breakdown[path]));
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/verify-native.json', import.meta.url),
  `${JSON.stringify({ node: process.version, date: new Date().toISOString(), quick, rows }, null, 2)}\n`,
);
console.log('wrote bench/results/verify-native.json');
