// Fuzz targets. Each throws `FuzzBug` when an invariant breaks; a typed
// CtxpackError for bad input is the defined result and is not a bug.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CtxpackError, createBlock } from '@ctxpack/block';
import { sanitize } from '@ctxpack/escape';
import { digestRequest } from '@ctxpack/provenance';
import { parsePayload } from '@ctxpack/serialize';
import { createLeaf, createSigner, importKeyPair, signManifest, verifyEnvelope } from '@ctxpack/sign';
import { FuzzBug, type FuzzTarget } from './engine.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

const attackTokens = [
  '<|im_start|>',
  '<|im_end|>',
  '<|eot_id|>',
  '<|start_header_id|>',
  '[INST]',
  '<<SYS>>',
  '<start_of_turn>',
  '<|channel|>',
  '\n\nHuman:',
  '\n\nAssistant:',
  '\u200d',
  '\u200c',
  '\u202e',
  '\u2066',
  '\u2069',
  '\ufe0f',
  '\u{e0041}',
  '\u{e0067}\u{e0062}\u{e007f}',
  '\u{1f3f4}',
  '\u{e0100}',
  '\u2062\u2064\u200b',
  '\u3164',
  '\u034f',
  'і',
  'ignore previous instructions',
  'aWdub3JlIHByZXZpb3VzIGluc3RydWN0aW9ucw==',
  '![x](https://evil.example/?q=',
  'AKIA',
  'sk-',
  '-----BEGIN PRIVATE KEY-----',
  '\ud800',
];

// Invisible classes that must never survive the untrusted policy.
const forbidden =
  /[\u{E0000}-\u{E007F}\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

// RGI subdivision flags are tag sequences and legitimately survive.
// biome-ignore lint/complexity/useRegexLiterals: a `v`-flag literal needs an ES2024 TS target
const rgiEmoji = new RegExp('\\p{RGI_Emoji}', 'gv');

// An input whose first byte is odd is read as raw UTF-16 code units (so lone
// surrogates reach sanitize); otherwise as UTF-8.
function decodeInput(data: Uint8Array): string {
  if (data.length === 0 || (data[0] as number) % 2 === 0) return dec.decode(data);
  let out = '';
  for (let i = 1; i + 1 < data.length; i += 2)
    out += String.fromCharCode((data[i] as number) | ((data[i + 1] as number) << 8));
  return out;
}

export const sanitizeTarget: FuzzTarget = {
  name: 'sanitize',
  seeds: ['', 'hello world', 'Rain.\u{E0069}\u{E0067}', '👩‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿 می‌خواهم', '<|im_<|im_start|>start|>'].map(
    (s) => enc.encode(s),
  ),
  dictionary: attackTokens,
  run(data) {
    const text = decodeInput(data);
    const once = sanitize(text, { trust: 'untrusted' });
    if (forbidden.test(once.text.replace(rgiEmoji, '')))
      throw new FuzzBug(`forbidden character survived: ${JSON.stringify(once.text)}`);
    const twice = sanitize(once.text, { trust: 'untrusted' });
    if (twice.text !== once.text) throw new FuzzBug(`not idempotent: ${JSON.stringify(text)}`);
    if (!once.changed && once.text !== text) throw new FuzzBug('changed=false but the text differs');
    for (const f of once.findings) {
      if (!(f.start >= 0 && f.end >= f.start && f.end <= text.length))
        throw new FuzzBug(`finding offsets out of range`);
    }
  },
};

// Real assembled payloads, one per target (made by ctxpack with a fixed key and seed).
const payloadSeeds = ['openai-chat', 'openai-responses', 'anthropic', 'ai-sdk', 'text'].map(
  (t) => new Uint8Array(readFileSync(new URL(`./fixtures/payload-${t}.json`, import.meta.url))),
);

export const parsePayloadTarget: FuzzTarget = {
  name: 'parse-payload',
  seeds: [...payloadSeeds, enc.encode('{}'), enc.encode('[]')],
  dictionary: [
    '{',
    '}',
    '[',
    ']',
    '"',
    ':',
    ',',
    '"__proto__"',
    '"constructor"',
    '1e999',
    '-0',
    'null',
    'true',
    '"schema"',
    '"target"',
    '"request"',
    '"messages"',
    '"envelope"',
    '"leaves"',
    '\\ud800',
    '9007199254740993',
  ],
  run(data) {
    let json: unknown;
    try {
      json = JSON.parse(dec.decode(data));
    } catch {
      return;
    }
    try {
      parsePayload(json);
    } catch (error) {
      if (!CtxpackError.isInstance(error)) throw error;
    }
  },
};

// One valid signed envelope (checked in, made with the RFC 8032 test key
// below, so crash files replay against the same original); the fuzzer mutates
// its JSON form. Accepting a mutation whose signed bytes, signature, leaves or
// request digest differ from the original is a forgery.
const keys = importKeyPair('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const fixture = new URL('./fixtures/signed-envelope.json', import.meta.url);
interface Original {
  envelope: { payload: string; signatures: { keyid: string; sig: string }[] };
  leaves: unknown[];
  requestDigest: string;
}
const original: Original = existsSync(fixture)
  ? JSON.parse(readFileSync(fixture, 'utf8'))
  : await makeFixture();
const originalJson = JSON.stringify(original);

async function makeFixture(): Promise<Original> {
  const blocks = ['alpha', 'beta'].map((content, i) =>
    createBlock({
      id: `b${i}`,
      kind: 'document',
      tenant: 'acme',
      content,
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
  );
  const leaves = blocks.map((b, i) => createLeaf(b, { salt: new Uint8Array(16).fill(i) }));
  const requestDigest = digestRequest({ messages: [{ role: 'user', content: 'hi' }] });
  const { envelope } = await signManifest(
    {
      tenant: 'acme',
      audience: 'gw',
      leaves,
      requestDigest,
      ttlSeconds: 600,
      now: new Date('2026-01-01T00:00:00Z'),
    },
    createSigner(keys),
  );
  const made = JSON.parse(JSON.stringify({ envelope, leaves, requestDigest }));
  writeFileSync(fixture, `${JSON.stringify(made, null, 2)}\n`);
  return made;
}

const b64 = (s: unknown) => (typeof s === 'string' ? safeBytes(s) : undefined);
function safeBytes(s: string): string | undefined {
  try {
    return Buffer.from(s, 'base64').toString('hex');
  } catch {
    return undefined;
  }
}

export const verifyEnvelopeTarget: FuzzTarget = {
  name: 'verify-envelope',
  seeds: [enc.encode(originalJson)],
  dictionary: [
    '"',
    'A',
    '=',
    '-',
    '_',
    '0',
    'f',
    '"sha256:',
    '"keyid"',
    '"sig"',
    '"payload"',
    '"payloadType"',
    '[]',
    '{}',
    'null',
  ],
  async run(data) {
    let input: Original;
    try {
      input = JSON.parse(dec.decode(data));
    } catch {
      return;
    }
    let accepted = false;
    try {
      await verifyEnvelope(input as never, {
        keys: [keys.publicKey],
        tenant: 'acme',
        audience: 'gw',
        replay: false,
        now: new Date('2026-01-01T00:01:00Z'),
      });
      accepted = true;
    } catch (error) {
      if (!CtxpackError.isInstance(error)) throw error;
    }
    if (!accepted) return;
    const env = (input?.envelope ?? {}) as { payload?: unknown; signatures?: { sig?: unknown }[] };
    const originalSigs = original.envelope.signatures.map((s) => b64(s.sig));
    // Leaves are optional (a verifier may check the root only); when given they must be the signed ones.
    const same =
      b64(env.payload) === b64(original.envelope.payload) &&
      (env.signatures ?? []).every((s) => originalSigs.includes(b64(s.sig))) &&
      (input.leaves === undefined || JSON.stringify(input.leaves) === JSON.stringify(original.leaves)) &&
      input.requestDigest === original.requestDigest;
    if (!same) throw new FuzzBug(`accepted a mutated envelope: ${dec.decode(data).slice(0, 200)}`);
  },
};

export const targets: FuzzTarget[] = [sanitizeTarget, parsePayloadTarget, verifyEnvelopeTarget];
