import { appendFileSync, readFileSync } from 'node:fs';
import { types } from 'node:util';
import * as block from '@ctxpack/block';
import * as blockKernel from '@ctxpack/block/kernel';
import * as budget from '@ctxpack/budget';
import * as cli from '@ctxpack/cli';
import * as escapePkg from '@ctxpack/escape';
import * as escapeDecoders from '@ctxpack/escape/decoders';
import * as mcp from '@ctxpack/mcp';
import * as provenance from '@ctxpack/provenance';
import * as replayRedis from '@ctxpack/replay-redis';
import * as serialize from '@ctxpack/serialize';
import * as serializePlan from '@ctxpack/serialize/plan';
import * as sign from '@ctxpack/sign';
import * as signPrimitives from '@ctxpack/sign/primitives';
import * as ctxpack from 'ctxpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The hostile-input table (noble style): every hostile value below is put in
 * every poisonable argument position of every public function of every
 * package, the other arguments holding valid, deep-frozen defaults. Each call
 * must return (or resolve), or throw (or reject) a CtxpackError — never any
 * other exception, never take longer than LIVENESS_MS, and never mutate its
 * arguments. The one other exception accepted is the hostile value's own
 * `HostileTrap`: a Proxy or getter that throws is the caller's exception,
 * and passing it through unchanged is correct.
 *
 * Exports are enumerated from each package's index, so a new export without
 * an entry in `specs` fails the table.
 */

const LIVENESS_MS = 5_000;

class HostileTrap extends Error {}
const trap = (): never => {
  throw new HostileTrap('hostile value trapped');
};

const HUGE = 'a'.repeat(20 * 1024 * 1024);
const DEPTH = 100_000;

function deepObject(): unknown {
  let v: unknown = {};
  for (let i = 0; i < DEPTH; i++) v = { a: v };
  return v;
}
function deepArray(): unknown {
  let v: unknown = [];
  for (let i = 0; i < DEPTH; i++) v = [v];
  return v;
}

/** Hostile values, each built fresh per call (so a mutation cannot leak from one call to the next). */
const HOSTILE: Record<string, () => unknown> = {
  undefined: () => undefined,
  null: () => null,
  number: () => 42,
  NaN: () => Number.NaN,
  Infinity: () => Number.POSITIVE_INFINITY,
  '-Infinity': () => Number.NEGATIVE_INFINITY,
  '-0': () => -0,
  'unsafe integer': () => 2 ** 53 + 1,
  boolean: () => true,
  bigint: () => 10n,
  symbol: () => Symbol('hostile'),
  function: () => () => 'called',
  'empty array': () => [],
  array: () => ['a', 1, null],
  Map: () => new Map([['k', 'v']]),
  Date: () => new Date(0),
  'invalid Date': () => new Date(Number.NaN),
  Uint8Array: () => new Uint8Array([1, 2, 3]),
  'empty string': () => '',
  string: () => 'hostile',
  'huge string (20 MiB)': () => HUGE,
  'lone surrogates': () => 'a\uD800b\uDC00c\uDBFF',
  NUL: () => 'a\u0000b\u0000',
  'deep object (100k)': deepObject,
  'deep array (100k)': deepArray,
  'deep JSON string (100k)': () => `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`,
  '__proto__/constructor/prototype keys': () =>
    JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"prototype":{"x":1}}'),
  'cyclic object': () => {
    const o: Record<string, unknown> = { a: 1 };
    o['self'] = o;
    return o;
  },
  'cyclic array': () => {
    const a: unknown[] = [];
    a.push(a);
    return a;
  },
  'throwing Proxy': () =>
    new Proxy(
      {},
      {
        get: trap,
        has: trap,
        ownKeys: trap,
        getOwnPropertyDescriptor: trap,
        getPrototypeOf: trap,
        apply: trap,
      },
    ),
  'throwing getter': () =>
    Object.defineProperty({}, 'content', { get: trap, enumerable: true }) as Record<string, unknown>,
  'object with throwing getters everywhere': () => {
    const o = {};
    for (const key of [
      'kind',
      'tenant',
      'content',
      'request',
      'envelope',
      'messages',
      'length',
      'then',
      'keyId',
    ]) {
      Object.defineProperty(o, key, { get: trap, enumerable: true });
    }
    return o;
  },
};

// ---------------------------------------------------------------------------
// Freezing and snapshots: a mutation of a frozen argument throws a TypeError in
// strict code (and so fails the call); typed arrays cannot be frozen, so their
// bytes are compared before and after.

const isBytes = (v: unknown): v is Uint8Array => !types.isProxy(v) && v instanceof Uint8Array;
const isPlain = (v: unknown): v is object => {
  if (typeof v !== 'object' || v === null || types.isProxy(v)) return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

function deepFreeze(v: unknown, seen = new Set<unknown>()): void {
  if (!isPlain(v) || seen.has(v)) return;
  seen.add(v);
  Object.freeze(v);
  for (const key of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[key], seen);
}

function collectBytes(v: unknown, out: [Uint8Array, Uint8Array][], seen = new Set<unknown>()): void {
  if (isBytes(v)) {
    out.push([v, v.slice()]);
    return;
  }
  if (!isPlain(v) || seen.has(v)) return;
  seen.add(v);
  for (const key of Object.keys(v)) collectBytes((v as Record<string, unknown>)[key], out, seen);
}

// ---------------------------------------------------------------------------
// Fixtures: valid arguments for every function.

interface Fixtures {
  keys: sign.KeyPair;
  signer: sign.Signer;
  block: block.ContextBlock;
  untrusted: block.ContextBlock;
  leaf: sign.Leaf;
  leaves: sign.Leaf[];
  payload: ctxpack.Payload;
  wire: { request: Record<string, unknown>; envelope: sign.Envelope; leaves: sign.Leaf[] };
  tokenizer: budget.Tokenizer;
  auditRecord: provenance.AuditRecord;
  auditLine: string;
  producer: sign.ProducerSignature;
  tool: Record<string, unknown>;
  pins: mcp.ToolPins;
  redis: replayRedis.RedisReplayStore | undefined;
}
let F: Fixtures;
const NOW = new Date('2026-01-01T12:00:00Z');
const nullIo = (): cli.CliIo => ({
  stdout: { write: () => true },
  stderr: { write: () => true },
  readStdin: async () => 'hello',
  env: {},
  cwd: '/nonexistent-ctxpack-hostile',
});

beforeAll(async () => {
  const keys = sign.generateKeyPair();
  const signer = sign.createSigner(keys);
  const b = provenance.stampBlock(
    block.createBlock({
      kind: 'system',
      tenant: 'acme',
      content: 'You are helpful.',
      id: 'sys',
      createdAt: NOW.toISOString(),
    }),
  );
  const untrusted = provenance.stampBlock(
    block.createBlock({
      kind: 'tool-result',
      tenant: 'acme',
      content: 'Rain until 15:00.',
      id: 'res',
      source: { type: 'mcp', server: 'weather', tool: 'get_weather' },
      createdAt: NOW.toISOString(),
    }),
  );
  const ctx = ctxpack.createContext({ tenant: 'acme', signer: keys });
  ctx.system('You are a travel assistant.', { pinned: true });
  ctx.user('Umbrella in Paris today?');
  ctx.toolResult('Rain until 15:00.', { type: 'mcp', server: 'weather', tool: 'get_weather' });
  const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 2000, audience: 'gw', now: NOW });
  const leaf = sign.createLeaf(b);
  const auditRecord = provenance.createAuditRecord({
    event: 'assemble',
    manifest: payload.manifest,
    now: NOW,
  });
  const auditLine = provenance.appendAuditRecord(provenance.AUDIT_GENESIS, auditRecord);
  const producer = await sign.signBlock(untrusted, signer);
  const tool = {
    name: 'get_weather',
    description: 'Weather for a city.',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
  };
  const redisUrl = process.env['REDIS_URL'];
  F = {
    keys,
    signer,
    block: b,
    untrusted,
    leaf,
    leaves: [leaf, sign.createLeaf(untrusted)],
    payload,
    wire: { request: payload.request, envelope: payload.envelope, leaves: payload.leaves },
    tokenizer: budget.createTokenizer('o200k_base'),
    auditRecord,
    auditLine,
    producer,
    tool,
    pins: mcp.pinTools([tool], { now: NOW }),
    redis:
      redisUrl === undefined
        ? undefined
        : replayRedis.createRedisReplayStore({ url: redisUrl, timeoutMs: 2_000 }),
  };
});
afterAll(async () => {
  await F?.redis?.close();
});

// ---------------------------------------------------------------------------
// The specs: valid arguments and the positions to poison, per function.

interface Spec {
  /** Valid arguments; built fresh for every call. */
  args: () => unknown[];
  /** Argument positions to poison; default every position of `args`. */
  poison?: readonly number[];
  /** The contract documents these native errors (e.g. a `RangeError` for a bad seed). */
  native?: readonly ('TypeError' | 'RangeError')[];
  /** Call as a method of `this`. */
  self?: () => unknown;
}

const fx = () => F;
const opts = () => ({
  keys: [F.keys.publicKey],
  tenant: 'acme',
  audience: 'gw',
  replay: false as const,
  now: new Date(NOW.getTime() + 1000),
});

/** Specs by `package.export` (functions) and `package.Factory#method` (methods of returned objects). */
const specs: Record<string, Spec> = {
  // @ctxpack/block
  'block.createBlock': { args: () => [{ kind: 'user', tenant: 'acme', content: 'hi' }] },
  'block.parseBlock': { args: () => [{ kind: 'user', tenant: 'acme', content: 'hi' }] },
  'block.defaultTrust': { args: () => ['user'] },
  // @ctxpack/block/kernel
  'block/kernel.formatPath': { args: () => [['source', 0, 'type']] },
  'block/kernel.createLineIndex': { args: () => ['a\nbc'] },
  'block/kernel.readBoundedBody': {
    args: () => [new Request('http://127.0.0.1/', { method: 'POST', body: '{}' }), 1024],
  },
  'block/kernel.hasMarker': { args: () => [new Error('x'), Symbol.for('ctxpack.error')] },
  'block/kernel.setMarker': { args: () => [new Error('x'), Symbol.for('hostile.marker')] },
  'block/kernel.assertArray': { args: () => [[1], 'items', 4] },
  'block/kernel.assertRecord': { args: () => [{ a: 1 }, 'options'] },
  'block/kernel.assertString': { args: () => ['text', 'text', 16] },
  'block/kernel.assertBytes': { args: () => [new Uint8Array(2), 'bytes', 2] },
  'block/kernel.assertInteger': { args: () => [3, 'n', 1, 10] },
  'block/kernel.assertOneOf': { args: () => ['a', 'mode', ['a', 'b']] },
  'block/kernel.assertWellFormed': { args: () => ['text', 'text'] },
  'block/kernel.readOptions': { args: () => [{ a: 1 }, 'options'] },
  'block/kernel.isRecord': { args: () => [{ a: 1 }] },
  'block/kernel.describeValue': { args: () => [{ a: 1 }] },
  'block/kernel.isDigest': { args: () => [`sha256:${'0'.repeat(64)}`] },
  'block/kernel.formatDigest': { args: () => [new Uint8Array(32)] },
  'block/kernel.isWellFormed': { args: () => ['text'] },
  'block/kernel.utf8Length': { args: () => ['text'] },
  'block/kernel.encodeHex': { args: () => [new Uint8Array([1, 255])] },
  'block/kernel.decodeHex': { args: () => ['01ff'] },
  'block/kernel.encodeBase64': { args: () => [new Uint8Array([1, 2, 3])] },
  'block/kernel.decodeBase64': { args: () => ['AQID'] },
  'block/kernel.encodeBase64Url': { args: () => [new Uint8Array([251, 255])] },
  'block/kernel.decodeBase64Url': { args: () => ['-_8'] },
  'block/kernel.decodeBase64Loose': { args: () => ['-_8='] },
  // @ctxpack/escape
  'escape.sanitize': { args: () => ['hello <|im_start|>', { trust: 'untrusted' }] },
  'escape.scan': { args: () => ['hello <|im_start|>', {}] },
  'escape.createSanitizer': { args: () => [{ extraTokens: ['</x>'] }] },
  'escape.createSanitizer#sanitize': { self: () => escapePkg.createSanitizer(), args: () => ['hi', {}] },
  'escape.createSanitizer#scan': { self: () => escapePkg.createSanitizer(), args: () => ['hi', {}] },
  'escape/decoders.decodeSneakyBits': { args: () => [[0x2062, 0x2064, 0x200b]] },
  'escape/decoders.decodeTagCharacters': { args: () => [[0xe0041, 0xe0042]] },
  'escape/decoders.decodeVariationSelectors': { args: () => [[0xfe00, 0xe0100]] },
  'escape.neutralizeToken': { args: () => ['<|im_start|>'] },
  'escape.resolveSanitizePolicy': { args: () => [{ trust: 'user' }] },
  'escape.capFindings': { args: () => [[{ severity: 'low' }, { severity: 'high' }], 1] },
  'escape.toSkeleton': { args: () => ['ѕеnd_email'] },
  // @ctxpack/provenance
  'provenance.appendAuditRecord': { args: () => [provenance.AUDIT_GENESIS, fx().auditRecord] },
  'provenance.auditLineHash': { args: () => [fx().auditLine] },
  'provenance.createAuditLink': { args: () => [fx().auditRecord] },
  'provenance.canonicalizeJson': { args: () => [{ b: 1, a: [true, null, 'x'] }] },
  'provenance.writeCanonicalJson': { args: () => [{ b: 1, a: [true, null, 'x'] }, () => undefined] },
  'provenance.createAuditLog': { args: () => [{ write: () => undefined }] },
  'provenance.createAuditLog#append': {
    self: () => provenance.createAuditLog({ write: () => undefined }),
    args: () => [fx().auditRecord],
  },
  'provenance.createAuditLog#head': {
    self: () => provenance.createAuditLog({ write: () => undefined }),
    args: () => [],
  },
  'provenance.createAuditRecord': { args: () => [{ event: 'assemble', findings: { high: 1 }, now: NOW }] },
  'provenance.deriveBlock': {
    args: () => [fx().untrusted, { content: 'clean', transform: { kind: 'sanitize' } }],
  },
  'provenance.digestContent': { args: () => ['hello'] },
  'provenance.digestContentAsync': { args: () => ['hello', { hash: 'auto' }] },
  'provenance.digestRequest': { args: () => [{ messages: [{ role: 'user', content: 'hi' }] }] },
  'provenance.digestRequestAsync': { args: () => [{ messages: [{ role: 'user', content: 'hi' }] }, {}] },
  'provenance.hasNativeSha256': { args: () => [] },
  'provenance.stampBlock': { args: () => [fx().untrusted] },
  'provenance.parseStrictJson': { args: () => ['{"messages":[{"role":"user","content":"hi"}]}'] },
  'provenance.canonicalizeStrictJson': { args: () => ['{"messages":[{"role":"user","content":"hi"}]}'] },
  'provenance.digestStrictJson': {
    args: () => ['{"model":"m","messages":[{"role":"user","content":"hi"}]}', {}],
  },
  'provenance.verifyAuditLog': { args: () => [[fx().auditLine], {}] },
  // @ctxpack/budget
  'budget.createEstimator': { args: () => [{ base: 'o200k_base', margin: 0.25 }] },
  'budget.createTokenizer': { args: () => ['o200k_base'] },
  'budget.createTokenizer#count': { self: () => fx().tokenizer, args: () => ['hello world'] },
  'budget.createTokenizer#encode': { self: () => fx().tokenizer, args: () => ['hello world'] },
  'budget.createTokenizer#decode': { self: () => fx().tokenizer, args: () => [[24912, 2375]] },
  'budget.loadTokenizer': { args: () => ['o200k_base'] },
  'budget.fit': {
    args: () => [
      [
        { id: 'a', text: 'hello world', priority: 1, rank: 2 },
        { id: 'b', text: 'second item', truncate: 'tail' },
      ],
      { tokenizer: fx().tokenizer, maxTokens: 100, reserveOutput: 10 },
    ],
  },
  // @ctxpack/sign
  'sign.attachProducerSignature': { args: () => [fx().untrusted, fx().producer] },
  'sign/primitives.createInclusionProof': { args: () => [fx().leaves.map(signPrimitives.hashLeafHeader), 1] },
  'sign.createKeyring': { args: () => [[{ key: fx().keys.publicKey, status: 'active', tenants: ['acme'] }]] },
  'sign.createKeyring#get': {
    self: () => sign.createKeyring([{ key: fx().keys.publicKey }]),
    args: () => [fx().keys.keyId],
  },
  'sign.createLeaf': { args: () => [fx().block, {}] },
  'sign.createLeafAsync': { args: () => [fx().block, {}] },
  'sign.createLeafProof': { args: () => [fx().leaves, 0] },
  'sign.createMemoryReplayStore': { args: () => [{ maxEntries: 10 }] },
  'sign.createMemoryReplayStore#claim': {
    self: () => sign.createMemoryReplayStore(),
    args: () => ['AAAAAAAAAAAAAAAAAAAAAA', { holdUntil: Date.now() + 60_000 }],
  },
  'sign.createSigner': { args: () => [fx().keys] },
  'sign.createSigner#sign': {
    self: () => sign.createSigner(fx().keys),
    args: () => [new Uint8Array([1, 2, 3])],
  },
  'sign.deriveKeyId': { args: () => [fx().keys.publicKey] },
  'sign/primitives.encodePae': { args: () => ['application/json', new Uint8Array([1, 2, 3])] },
  'sign.exportKeyPair': { args: () => [fx().keys] },
  'sign.exportPublicKey': { args: () => [fx().keys, 'jwk'] },
  'sign.generateKeyPair': { args: () => [] },
  'sign/primitives.hashChildren': { args: () => [new Uint8Array(32), new Uint8Array(32).fill(1)] },
  'sign/primitives.hashLeaf': { args: () => [new Uint8Array([1, 2, 3])] },
  'sign/primitives.hashLeafHeader': { args: () => [fx().leaf] },
  'sign.importKeyPair': { args: () => [fx().keys.secretKey] },
  'sign.importPublicKey': { args: () => [fx().keys.publicKey] },
  'sign/primitives.leafHashOf': { args: () => [fx().leaf] },
  'sign/primitives.merkleRoot': { args: () => [fx().leaves.map(signPrimitives.hashLeafHeader)] },
  'sign.redactLeaf': { args: () => [fx().leaf] },
  'sign.checkReplayClaim': { args: () => ['AAAAAAAAAAAAAAAAAAAAAA', { holdUntil: Date.now() + 60_000 }] },
  'sign.resolveVerifyOptions': { args: () => [opts()] },
  'sign.signBlock': { args: () => [fx().untrusted, fx().signer] },
  'sign.signManifest': {
    args: () => [
      {
        tenant: 'acme',
        audience: 'gw',
        leaves: fx().leaves,
        requestDigest: `sha256:${'a'.repeat(64)}`,
        ttlSeconds: 60,
      },
      fx().signer,
    ],
  },
  'sign/primitives.verifyEd25519': {
    args: () => [new Uint8Array(64), new Uint8Array([1]), fx().keys.publicKey],
  },
  'sign/primitives.verifyEd25519Async': {
    args: () => [new Uint8Array(64), new Uint8Array([1]), fx().keys.publicKey, { ed25519: 'auto' }],
  },
  'sign/primitives.hasNativeEd25519': { args: () => [] },
  'sign.verifyEnvelope': {
    args: () => [
      { envelope: fx().wire.envelope, requestDigest: provenance.digestRequest(fx().wire.request) },
      opts(),
    ],
  },
  'sign/primitives.verifyInclusionProof': {
    args: () => {
      const hashes = fx().leaves.map(signPrimitives.hashLeafHeader);
      return [
        {
          leafIndex: 0,
          treeSize: 2,
          leafHash: hashes[0],
          proof: signPrimitives.createInclusionProof(hashes, 0),
          root: signPrimitives.merkleRoot(hashes),
        },
      ];
    },
  },
  'sign.verifyLeafProof': {
    args: () => {
      const { leaves } = fx();
      const root = `sha256:${Buffer.from(signPrimitives.merkleRoot(leaves.map(signPrimitives.hashLeafHeader))).toString('hex')}`;
      return [{ root, treeSize: 2 }, { leaf: leaves[0] }, sign.createLeafProof(leaves, 0)];
    },
  },
  'sign.verifyProducerSignature': {
    args: () => [
      sign.createLeaf(sign.attachProducerSignature(fx().untrusted, fx().producer)),
      { keys: [fx().keys.publicKey] },
    ],
  },
  // @ctxpack/serialize
  'serialize.countRequestTokens': { args: () => [fx().payload.request, 'openai-chat', fx().tokenizer] },
  'serialize.requestFraming': { args: () => ['openai-chat', fx().tokenizer] },
  'serialize.parsePayload': { args: () => [JSON.parse(JSON.stringify(fx().payload))] },
  'serialize.render': {
    args: () => [
      [fx().block, fx().untrusted],
      { target: 'anthropic', tenant: 'acme', seed: 'conv', audience: 'gw' },
    ],
  },
  // @ctxpack/serialize/plan
  'serialize/plan.applySpotlight': { args: () => ['data text', 'datamark'] },
  'serialize/plan.checkBlocks': {
    args: () => [[fx().block], { tenant: 'acme', audience: 'gw', policy: serialize.DEFAULT_POLICY }],
  },
  'serialize/plan.createNonce': { args: () => [['some content'], serializePlan.createSeededRandom('seed')] },
  'serialize/plan.createRequestPlanner': {
    args: () => [{ target: 'openai-chat', tenant: 'acme', audience: 'gw', counter: fx().tokenizer }],
  },
  'serialize/plan.createRequestPlanner#check': {
    self: () =>
      serializePlan.createRequestPlanner({ target: 'text', tenant: 'acme', counter: fx().tokenizer }),
    args: () => [[fx().block, fx().untrusted]],
  },
  'serialize/plan.createRequestPlanner#plan': {
    self: () =>
      serializePlan.createRequestPlanner({ target: 'anthropic', tenant: 'acme', counter: fx().tokenizer }),
    args: () => [[fx().block, fx().untrusted]],
  },
  'serialize/plan.createSeededRandom': { args: () => ['seed'] },
  'serialize/plan.createSeededRandom#': {
    self: () => serializePlan.createSeededRandom('seed'),
    args: () => [16],
  },
  'serialize/plan.describeSource': { args: () => [fx().untrusted] },
  'serialize/plan.escapeAttribute': { args: () => ['a "quoted" <value>'] },
  'serialize/plan.renderPreamble': { args: () => ['abc123', ['delimit', 'datamark']] },
  'serialize/plan.resolveSerializePolicy': {
    args: () => [{ maxBlocks: 10, roles: { untrusted: ['user'] } }],
  },
  'serialize/plan.resolveSpotlight': { args: () => [fx().untrusted, { trust: { untrusted: 'encode' } }] },
  // ctxpack
  'ctxpack.createContext': { args: () => [{ tenant: 'acme', signer: fx().keys }] },
  'ctxpack.createContext#add': {
    self: () => newContext(),
    args: () => [{ kind: 'document', content: 'doc' }],
  },
  'ctxpack.createContext#system': { self: () => newContext(), args: () => ['sys', { priority: 1 }] },
  'ctxpack.createContext#instructions': { self: () => newContext(), args: () => ['do', { pinned: true }] },
  'ctxpack.createContext#user': { self: () => newContext(), args: () => ['hi', {}] },
  'ctxpack.createContext#assistant': { self: () => newContext(), args: () => ['hello', {}] },
  'ctxpack.createContext#toolCall': {
    self: () => newContext(),
    args: () => [{ name: 'get_weather', callId: 'c1', arguments: { city: 'Paris' } }, {}],
  },
  'ctxpack.createContext#toolResult': {
    self: () => newContext(),
    args: () => ['sunny', { type: 'mcp', server: 'w', tool: 't', callId: 'c1' }, {}],
  },
  'ctxpack.createContext#document': {
    self: () => newContext(),
    args: () => ['doc', { type: 'web', uri: 'https://x' }, {}],
  },
  'ctxpack.createContext#memory': { self: () => newContext(), args: () => ['mem', { type: 'memory' }, {}] },
  'ctxpack.createContext#assemble': {
    self: () => {
      const c = newContext();
      c.system('sys');
      c.document('doc '.repeat(50), { type: 'web' });
      return c;
    },
    args: () => [{ target: 'openai-responses', maxTokens: 500, reserveOutput: 10, now: NOW }],
  },
  'ctxpack.formatReport': { args: () => [fx().payload.report] },
  'ctxpack.verifyPayload': { args: () => [fx().wire, opts()] },
  'ctxpack.importRequest': {
    args: () => ['openai-chat', '{"model":"m","messages":[{"role":"user","content":"hi"}]}', {}],
  },
  'ctxpack.createGuardedFetch': {
    args: () => [{ tenant: 'acme', signer: fx().keys, fetch: async () => new Response('{}') }],
  },
  'ctxpack.verifyRequest': {
    args: () => [new Request('http://127.0.0.1/v1/chat/completions', { method: 'POST', body: '{}' }), opts()],
  },
  'ctxpack.encodeEnvelopeHeader': { args: () => [fx().payload.envelope] },
  'ctxpack.decodeEnvelopeHeader': { args: () => [ctxpack.encodeEnvelopeHeader(fx().payload.envelope)] },
  'ctxpack.checkResponse': { args: () => ['see https://x.example/a', { payload: fx().payload }] },
  'ctxpack.responseText': { args: () => ['hi'] },
  'ctxpack.createResponseGuard': { args: () => [{ payload: fx().payload }] },
  'ctxpack.checkToolCall': { args: () => [{ name: 'x', arguments: {} }, { payload: fx().payload }] },
  'ctxpack.deriveSessionSeed': {
    args: () => [new Uint8Array(32).fill(1), [{ kind: 'system', content: 'sys' }], [{ type: 'function' }]],
  },
  'ctxpack.createOutputGuard': { args: () => [fx().payload, { allowHosts: ['docs.example.com'] }] },
  'ctxpack.signRequestBody': { args: () => [fx().payload, JSON.stringify(fx().payload.request), fx().keys] },
  'ctxpack.sanitizeToolDefinitions': {
    args: () => [[{ type: 'function', function: { name: 'x', description: 'd' } }], true, new Map()],
  },
  // @ctxpack/mcp
  'mcp.callToolAsBlock': {
    args: () => [
      { callTool: async () => ({ content: [{ type: 'text', text: 'sunny' }] }) },
      { name: 'get_weather', arguments: { city: 'Paris' } },
      { tenant: 'acme', server: 'weather', callId: 'c1' },
    ],
  },
  'mcp.approvePending': {
    args: () => {
      const pins = mcp.createProxyPins();
      pins.pending['tools:get_weather'] = {
        kind: 'tools',
        key: 'get_weather',
        reason: 'changed',
        details: [],
        seenAt: NOW.toISOString(),
        digest: mcp.digestToolDefinition(fx().tool),
        definition: fx().tool,
      };
      return [pins, 'tools', 'get_weather'];
    },
  },
  'mcp.createProxyFilter': { args: () => [{ pins: mcp.createProxyPins(), now: () => NOW }] },
  'mcp.createProxyFilter#fromHost': {
    self: () => mcp.createProxyFilter({ pins: mcp.createProxyPins() }),
    args: () => [{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }],
  },
  'mcp.createProxyFilter#fromServer': {
    self: () => mcp.createProxyFilter({ pins: mcp.createProxyPins() }),
    args: () => [{ jsonrpc: '2.0', id: 1, result: { tools: [fx().tool] } }],
  },
  'mcp.createProxyPins': { args: () => [] },
  'mcp.encodeHeaderValue': { args: () => ['Zürich'] },
  'mcp.mcpRequestHeaders': {
    args: () => [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_weather' } }, fx().tool],
  },
  'mcp.parseProxyPins': { args: () => [JSON.parse(JSON.stringify(mcp.createProxyPins()))] },
  'mcp.scanElicitation': {
    args: () => [
      {
        method: 'elicitation/create',
        params: { message: 'Your name?', requestedSchema: { type: 'object' } },
      },
    ],
  },
  'mcp.scanPrompts': {
    args: () => [[{ name: 'review', description: 'Reviews code.' }], { knownTools: ['send_email'] }],
  },
  'mcp.scanResources': { args: () => [[{ uri: 'file:///a.md', name: 'a' }], { knownTools: ['send_email'] }] },
  'mcp.scanToolResult': { args: () => [{ content: [{ type: 'text', text: 'sunny' }] }, 'get_weather'] },
  'mcp.scanRulesFile': { args: () => ['# Rules\nBe brief.', { file: 'AGENTS.md' }] },
  'mcp.pinRulesFiles': { args: () => [[{ file: 'AGENTS.md', text: 'Be brief.' }]] },
  'mcp.diffRulesPins': {
    args: () => [mcp.pinRulesFiles([{ file: 'AGENTS.md', text: 'a' }]), [{ file: 'AGENTS.md', text: 'b' }]],
  },
  'mcp.validateJsonSchema': { args: () => [{ type: 'object', required: ['t'] }, { t: 1 }] },
  'mcp.canonicalTool': { args: () => [fx().tool] },
  'mcp.diffToolPins': { args: () => [fx().pins, [fx().tool]] },
  'mcp.digestToolDefinition': { args: () => [fx().tool] },
  'mcp.pinTools': { args: () => [[fx().tool], { server: 'weather', now: NOW }] },
  'mcp.scanToolDefinition': { args: () => [fx().tool, { otherTools: ['send_email'] }] },
  'mcp.scanTools': { args: () => [[fx().tool], { knownTools: ['send_email'] }] },
  'mcp.toolResultToBlock': {
    args: () => [
      { content: [{ type: 'text', text: 'sunny' }], structuredContent: { t: 20 } },
      { tenant: 'acme', server: 'weather', tool: 'get_weather', callId: 'c1', now: NOW },
    ],
  },
  // @ctxpack/replay-redis
  'replay-redis.createRedisReplayStore': {
    args: () => [{ url: 'redis://127.0.0.1:1', timeoutMs: 200, minTtlMs: 1000, prefix: 'hostile:' }],
  },
  'replay-redis.createRedisReplayStore#claim': {
    self: () => fx().redis,
    args: () => [`hostile-${Math.random()}`, { holdUntil: Date.now() + 60_000 }],
  },
  'replay-redis.createRedisAuditStream': {
    args: () => [{ url: 'redis://127.0.0.1:1', stream: 'hostile:audit', timeoutMs: 200 }],
  },
  'replay-redis.verifyRedisAuditStream': {
    args: () => [{ url: 'redis://127.0.0.1:1', stream: 'hostile:audit', timeoutMs: 200 }],
  },
  // @ctxpack/cli
  'cli.renderHtmlReport': { args: () => [JSON.parse(JSON.stringify(fx().payload))] },
  'cli.runCli': { args: () => [['scan', '-'], nullIo()] },
  'cli.measureFit': { args: () => [() => 1, { warmRuns: 1, skipWarmAfterMs: 100 }] },
  'cli.loadFitPeers': {
    args: () => [
      { encoding: 'o200k_base', fallbackCount: (t: string) => t.length, names: ['gpt-tokenizer'] },
    ],
  },
};

const newContext = () => ctxpack.createContext({ tenant: 'acme', signer: fx().keys });

/** Clients a store created from a hostile URL must be closed after the call. */
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await Promise.allSettled(cleanups.map((c) => c()));
});

const modules: Record<string, Record<string, unknown>> = {
  block,
  'block/kernel': blockKernel,
  escape: escapePkg,
  'escape/decoders': escapeDecoders,
  provenance,
  budget,
  sign,
  'sign/primitives': signPrimitives,
  serialize,
  'serialize/plan': serializePlan,
  ctxpack,
  mcp,
  'replay-redis': replayRedis,
  cli,
};

const isClass = (f: unknown): boolean =>
  typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));

/** Every exported function, keyed `pkg.name`; a re-export is tested once, under the package that defines it. */
function enumerateFunctions(): { key: string; fn: (...a: unknown[]) => unknown }[] {
  const seen = new Set<unknown>();
  const out: { key: string; fn: (...a: unknown[]) => unknown }[] = [];
  // ctxpack last, so its re-exports are attributed to their home packages.
  for (const pkg of [
    'block',
    'block/kernel',
    'escape',
    'escape/decoders',
    'provenance',
    'budget',
    'sign',
    'sign/primitives',
    'serialize',
    'serialize/plan',
    'mcp',
    'replay-redis',
    'cli',
    'ctxpack',
  ]) {
    const mod = modules[pkg] as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== 'function' || seen.has(value)) continue;
      seen.add(value);
      if (isClass(value)) {
        const isInstance = (value as { isInstance?: unknown }).isInstance;
        if (typeof isInstance === 'function') {
          out.push({
            key: `${pkg}.${name}.isInstance`,
            fn: (isInstance as (e: unknown) => boolean).bind(value),
          });
        }
        continue;
      }
      out.push({ key: `${pkg}.${name}`, fn: value as (...a: unknown[]) => unknown });
    }
  }
  return out;
}

/** Error classes' `isInstance(x)` must answer for any x. */
const isInstanceSpec: Spec = { args: () => [new Error('x')] };

interface Outcome {
  ok: boolean;
  detail: string;
  ms: number;
}

async function callOnce(
  fn: (...a: unknown[]) => unknown,
  spec: Spec,
  position: number,
  hostile: () => unknown,
): Promise<Outcome> {
  const args = spec.args();
  const value = hostile();
  args[position] = value;
  const self = spec.self?.();
  if (spec.self !== undefined && self === undefined)
    return { ok: true, detail: 'skipped: no instance', ms: 0 };
  const bytes: [Uint8Array, Uint8Array][] = [];
  args.forEach((a, i) => {
    if (i === position) return;
    deepFreeze(a);
    collectBytes(a, bytes);
  });
  if (isBytes(value)) bytes.push([value, value.slice()]);
  const started = performance.now();
  let outcome: Outcome;
  try {
    const result = fn.apply(self, args);
    const settled = result instanceof Promise ? await result : result;
    if (!types.isProxy(settled) && typeof (settled as { close?: unknown } | null)?.close === 'function') {
      cleanups.push(async () => (settled as { close(): Promise<void> }).close());
    }
    outcome = { ok: true, detail: 'returned', ms: 0 };
  } catch (error) {
    outcome = classify(error, spec);
  }
  outcome.ms = performance.now() - started;
  for (const [live, copy] of bytes) {
    if (live.length !== copy.length || live.some((b, i) => b !== copy[i])) {
      return { ok: false, detail: 'mutated a Uint8Array argument', ms: outcome.ms };
    }
  }
  if (outcome.ms > LIVENESS_MS)
    return { ok: false, detail: `took ${Math.round(outcome.ms)} ms`, ms: outcome.ms };
  return outcome;
}

function classify(error: unknown, spec: Spec): Outcome {
  if (error instanceof HostileTrap) return { ok: true, detail: 'trap passed through', ms: 0 };
  if (block.CtxpackError.isInstance(error)) return { ok: true, detail: `CtxpackError ${error.code}`, ms: 0 };
  const name = error instanceof Error ? error.constructor.name : typeof error;
  if ((name === 'TypeError' || name === 'RangeError') && spec.native?.includes(name)) {
    return { ok: true, detail: `documented ${name}`, ms: 0 };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, detail: `${name}: ${message.slice(0, 160)}`, ms: 0 };
}

/**
 * Cases that fail today in packages whose owners are still at work, each
 * reported to them (see the list in hostile-known-bugs.json). They are kept
 * out of the assertions so the suite stays green, and counted as skipped;
 * delete an entry once it is fixed. `HOSTILE_TRACE=<file>` appends every
 * failure (`function|position|value`) to <file>.
 */
const KNOWN_BUGS: ReadonlySet<string> = new Set(
  JSON.parse(readFileSync(new URL('./hostile-known-bugs.json', import.meta.url), 'utf8')) as string[],
);
const caseKey = (key: string, position: number, hostile: string): string => `${key}|${position}|${hostile}`;
let skippedKnown = 0;

const functions = enumerateFunctions();
const methodKeys = Object.keys(specs).filter((k) => k.includes('#'));

describe('hostile-input table', () => {
  afterAll(() => {
    if (skippedKnown > 0)
      console.info(
        `hostile-input table: ${skippedKnown} known failing cases skipped (hostile-known-bugs.json)`,
      );
  });

  it('every exported function has a spec (new exports must join the table)', () => {
    const missing = functions
      .filter((f) => !f.key.endsWith('.isInstance') && specs[f.key] === undefined)
      .map((f) => f.key);
    expect(missing).toEqual([]);
    const stale = Object.keys(specs).filter((k) => !k.includes('#') && !functions.some((f) => f.key === k));
    expect(stale).toEqual([]);
  });

  const entries: { key: string; fn: (...a: unknown[]) => unknown; spec: Spec }[] = [
    ...functions.map((f) => ({ key: f.key, fn: f.fn, spec: specs[f.key] ?? isInstanceSpec })),
    ...methodKeys.map((key) => {
      const method = key.slice(key.indexOf('#') + 1);
      const spec = specs[key] as Spec;
      // `Factory#` (no name) calls the returned function itself.
      const fn =
        method === ''
          ? function (this: (...a: unknown[]) => unknown, ...a: unknown[]) {
              return this(...a);
            }
          : function (this: Record<string, (...a: unknown[]) => unknown>, ...a: unknown[]) {
              return this[method]?.(...a);
            };
      return { key, fn, spec };
    }),
  ];

  // HOSTILE_ONLY=<regex> runs the matching functions only (while fixing a package).
  const only =
    process.env['HOSTILE_ONLY'] === undefined ? undefined : new RegExp(process.env['HOSTILE_ONLY']);
  for (const { key, fn, spec } of entries.filter((e) => only === undefined || only.test(e.key))) {
    it(key, { timeout: 300_000 }, async () => {
      const arity = spec.args().length;
      const positions = spec.poison ?? Array.from({ length: Math.max(arity, 1) }, (_, i) => i);
      const failures: string[] = [];
      const trace: string[] = [];
      const valid = await callOnce(fn, spec, -1, () => undefined);
      expect(valid.ok, `valid arguments must work: ${valid.detail}`).toBe(true);
      for (const position of positions) {
        for (const [name, hostile] of Object.entries(HOSTILE)) {
          if (KNOWN_BUGS.has(caseKey(key, position, name))) {
            skippedKnown++;
            continue;
          }
          const outcome = await callOnce(fn, spec, position, hostile);
          if (!outcome.ok) {
            failures.push(`arg ${position} = ${name}: ${outcome.detail}`);
            trace.push(caseKey(key, position, name));
          }
        }
      }
      const traceFile = process.env['HOSTILE_TRACE'];
      if (traceFile !== undefined) appendFileSync(traceFile, trace.map((t) => `${t}\n`).join(''));
      expect(failures).toEqual([]);
    });
  }
});
