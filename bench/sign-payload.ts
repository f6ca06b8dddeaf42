// Sign and verify overhead: assemble+sign and verify for 10, 100 and 1,000
// blocks and for 1 MB and 10 MB of content, on three hash/signature paths:
//   noble   — @noble/hashes SHA-256 + @noble/ed25519 (what runs everywhere)
//   native  — ctxpack's async path: WebCrypto SHA-256 for large inputs, noble Ed25519
//   node    — peer: node:crypto SHA-256 and Ed25519 over the same bytes (not portable; the floor)
// and the share of signing and verification in a whole `ctxpack` assemble.
//
//   cd bench && node --conditions=@ctxpack/source --import tsx sign-payload.ts [--quick]
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ContextBlock } from '@ctxpack/block';
import { canonicalizeJson, digestContent, digestRequest, digestRequestAsync } from '@ctxpack/provenance';
import {
  createLeaf,
  createLeafAsync,
  createSigner,
  exportKeyPair,
  exportPublicKey,
  generateKeyPair,
  type Signer,
  signManifest,
  verifyEnvelope,
} from '@ctxpack/sign';
import { encodePae, hashLeaf, MANIFEST_PAYLOAD_TYPE, merkleRoot } from '@ctxpack/sign/primitives';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { createContext } from 'ctxpack';

const quick = process.argv.includes('--quick');

interface Scenario {
  name: string;
  blocks: number;
  bytesPerBlock: number;
}
const scenarios: Scenario[] = [
  { name: '10 blocks × 1 KB', blocks: 10, bytesPerBlock: 1024 },
  { name: '100 blocks × 1 KB', blocks: 100, bytesPerBlock: 1024 },
  { name: '1,000 blocks × 1 KB', blocks: 1000, bytesPerBlock: 1024 },
  { name: '1 MB (10 × 100 KB)', blocks: 10, bytesPerBlock: 100 * 1024 },
  { name: '10 MB (10 × 1 MB)', blocks: 10, bytesPerBlock: 1024 * 1024 },
];

// Deterministic, prose-like text (ASCII words with some non-ASCII), so tokenizers and hashes see realistic input.
function makeText(bytes: number, seed: number): string {
  const words = [
    'weather',
    'forecast',
    'sunny',
    'température',
    'über',
    'data',
    'result',
    '東京',
    'rain',
    'wind',
    'cloud',
  ];
  let x = seed * 2654435761;
  let out = '';
  while (out.length < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += `${words[x % words.length]}${x % 13 === 0 ? '.\n' : ' '}`;
  }
  return out.slice(0, bytes);
}

async function time<T>(runs: number, fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  let value = await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)] as number, value };
}

const keyPair = generateKeyPair();
const signer = createSigner(keyPair);
// Pure JS (noble) signing for the noble column: createSigner signs through WebCrypto where it can.
ed.hashes.sha512 = sha512;
const nobleSigner: Signer = {
  keyId: signer.keyId,
  publicKey: signer.publicKey,
  sign: (message) => ed.sign(message, keyPair.secretKey),
};
const nodePriv = createPrivateKey({ key: exportKeyPair(keyPair) as never, format: 'jwk' });
const nodePub = createPublicKey({ key: exportPublicKey(keyPair, 'jwk') as never, format: 'jwk' });
const nodeSha = (data: string | Uint8Array): string =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;
const now = new Date();

interface Row {
  scenario: string;
  blocks: number;
  contentBytes: number;
  assembleMs: number | null;
  signNobleMs: number;
  signNativeMs: number;
  signNodeMs: number;
  verifyNobleMs: number;
  verifyNativeMs: number;
  verifyNodeMs: number;
  signShareOfAssemble: number | null;
  verifyShareOfAssemble: number | null;
}

const rows: Row[] = [];
for (const sc of scenarios) {
  const big = sc.blocks * sc.bytesPerBlock >= 1024 * 1024;
  const runs = quick ? 2 : big ? 5 : 20;

  // Whole assembly through ctxpack (sanitize, fit with token counting, render, provenance, sign).
  const ctx = createContext({ tenant: 'acme', signer: keyPair });
  ctx.system('You are a helpful assistant.', { pinned: true });
  for (let i = 0; i < sc.blocks; i++) {
    ctx.document(makeText(sc.bytesPerBlock, i + 1), { type: 'retrieval', name: `doc-${i}` });
  }
  let assembleMs: number | null = null;
  let request: unknown;
  try {
    const assembled = await time(big ? Math.min(runs, 3) : runs, () =>
      ctx.assemble({ target: 'openai-chat', maxTokens: 50_000_000, ttlSeconds: 300, now }),
    );
    assembleMs = assembled.ms;
    request = assembled.value.request;
  } catch (e) {
    console.warn(`  ctxpack assemble failed for ${sc.name}: ${(e as Error).message}`);
    request = { model: 'gpt-4o', messages: ctx.blocks.map((b) => ({ role: 'user', content: b.content })) };
  }
  const blocks: readonly ContextBlock[] = ctx.blocks;
  const contents = blocks.map((b) => b.content);
  const contentBytes = contents.reduce((n, c) => n + Buffer.byteLength(c), 0);

  // Signing side: leaf headers (content hashing), request digest, manifest + one signature.
  const signNoble = await time(runs, async () => {
    const leaves = blocks.map((b) => createLeaf(b));
    const requestDigest = digestRequest(request);
    const signed = await signManifest(
      { tenant: 'acme', audience: 'gw', leaves, requestDigest, ttlSeconds: 300, now },
      nobleSigner,
    );
    return { ...signed, leaves, requestDigest };
  });
  const signNative = await time(runs, async () => {
    const leaves = await Promise.all(blocks.map((b) => createLeafAsync(b, { hash: 'auto' })));
    const requestDigest = await digestRequestAsync(request);
    return signManifest(
      { tenant: 'acme', audience: 'gw', leaves, requestDigest, ttlSeconds: 300, now },
      signer,
    );
  });
  // Peer: the same work with node:crypto (SHA-256 of contents and the canonical request, RFC 6962 tree, Ed25519).
  const signNode = await time(runs, () => {
    const leafHashes = blocks.map((b) => {
      const header = { ...createLeaf(b, { salt: new Uint8Array(16) }), contentDigest: nodeSha(b.content) };
      return hashLeaf(new TextEncoder().encode(canonicalizeJson(header)));
    });
    const root = merkleRoot(leafHashes);
    const manifest = canonicalizeJson({
      root: Buffer.from(root).toString('hex'),
      request: nodeSha(canonicalizeJson(request)),
    });
    return nodeSign(null, encodePae(MANIFEST_PAYLOAD_TYPE, new TextEncoder().encode(manifest)), nodePriv);
  });

  // Verifying side: request digest as received, signature, leaves, every content digest.
  const { envelope, leaves, requestDigest } = signNoble.value;
  const verifyNoble = await time(runs, async () =>
    verifyEnvelope(
      { envelope, requestDigest: digestRequest(request), leaves, contents },
      { keys: [keyPair.publicKey], tenant: 'acme', audience: 'gw', replay: false, now, hash: 'noble' },
    ),
  );
  const verifyNative = await time(runs, async () =>
    verifyEnvelope(
      { envelope, requestDigest: await digestRequestAsync(request), leaves, contents },
      { keys: [keyPair.publicKey], tenant: 'acme', audience: 'gw', replay: false, now, hash: 'auto' },
    ),
  );
  const paeBytes = encodePae(MANIFEST_PAYLOAD_TYPE, Buffer.from(envelope.payload, 'base64'));
  const sigBytes = Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64');
  const verifyNode = await time(runs, () => {
    if (nodeSha(canonicalizeJson(request)) !== requestDigest) throw new Error('request digest');
    if (!nodeVerify(null, paeBytes, nodePub, sigBytes)) throw new Error('signature');
    merkleRoot(leaves.map((l) => hashLeaf(new TextEncoder().encode(canonicalizeJson(l)))));
    contents.forEach((c, i) => {
      if (nodeSha(c) !== leaves[i]?.contentDigest) throw new Error('content');
    });
  });

  const row: Row = {
    scenario: sc.name,
    blocks: blocks.length,
    contentBytes,
    assembleMs,
    signNobleMs: signNoble.ms,
    signNativeMs: signNative.ms,
    signNodeMs: signNode.ms,
    verifyNobleMs: verifyNoble.ms,
    verifyNativeMs: verifyNative.ms,
    verifyNodeMs: verifyNode.ms,
    signShareOfAssemble: assembleMs === null ? null : signNoble.ms / assembleMs,
    verifyShareOfAssemble: assembleMs === null ? null : verifyNoble.ms / assembleMs,
  };
  rows.push(row);
  const f = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));
  console.log(
    `${sc.name.padEnd(22)} assemble ${assembleMs === null ? 'n/a' : f(assembleMs)} ms | sign noble ${f(signNoble.ms)} native ${f(signNative.ms)} node ${f(signNode.ms)} ms (noble/native ${(signNoble.ms / signNative.ms).toFixed(1)}×) | verify noble ${f(verifyNoble.ms)} native ${f(verifyNative.ms)} node ${f(verifyNode.ms)} ms (noble/native ${(verifyNoble.ms / verifyNative.ms).toFixed(1)}×) | share sign ${row.signShareOfAssemble === null ? 'n/a' : `${(row.signShareOfAssemble * 100).toFixed(1)}%`} verify ${row.verifyShareOfAssemble === null ? 'n/a' : `${(row.verifyShareOfAssemble * 100).toFixed(1)}%`}`,
  );
}

// Per-operation peers: one signature and one SHA-256 pass, noble vs node:crypto.
const msg = new Uint8Array(512).fill(1);
const opsRuns = quick ? 200 : 2000;
const nobleSign = await time(1, () => {
  for (let i = 0; i < opsRuns; i++) nobleSigner.sign(msg);
});
const nativeSign = await time(1, () => {
  for (let i = 0; i < opsRuns; i++) nodeSign(null, msg, nodePriv);
});
// createSigner: WebCrypto Ed25519 (one signature at a time, awaited, as signManifest does).
const ctxpackSign = await time(1, async () => {
  for (let i = 0; i < opsRuns; i++) await signer.sign(msg);
});
const tenMb = new Uint8Array(10 * 1024 * 1024).fill(97);
// digestContent is the sync @noble/hashes path (plus a hex encoding of 32 bytes).
const hashNoble = await time(3, () => digestContent(tenMb));
const hashNode = await time(3, () => createHash('sha256').update(tenMb).digest());
const hashWebCrypto = await time(3, () => globalThis.crypto.subtle.digest('SHA-256', tenMb));
const ops = {
  ed25519SignPerSec: {
    noble: Math.round(opsRuns / (nobleSign.ms / 1000)),
    createSigner: Math.round(opsRuns / (ctxpackSign.ms / 1000)),
    node: Math.round(opsRuns / (nativeSign.ms / 1000)),
  },
  sha256MBps: {
    noble: Math.round(10 / (hashNoble.ms / 1000)),
    webCrypto: Math.round(10 / (hashWebCrypto.ms / 1000)),
    node: Math.round(10 / (hashNode.ms / 1000)),
  },
};
console.log('per operation:', JSON.stringify(ops));

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/sign-payload.json', import.meta.url),
  `${JSON.stringify({ node: process.version, date: new Date().toISOString(), quick, rows, ops }, null, 2)}\n`,
);
console.log('wrote bench/results/sign-payload.json');
