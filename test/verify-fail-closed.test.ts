import { createBlock, InvalidArgumentError } from '@ctxpack/block';
import { deriveBlock, digestRequest, stampBlock } from '@ctxpack/provenance';
import type { Signer } from '@ctxpack/sign';
import {
  attachProducerSignature,
  createLeaf,
  createMemoryReplayStore,
  createSigner,
  generateKeyPair,
  MAX_SIGNATURES,
  signBlock,
  signManifest,
  VerificationError,
  verifyEnvelope,
} from '@ctxpack/sign';
import { verifyPayload } from 'ctxpack';
import { describe, expect, it } from 'vitest';

const keys = generateKeyPair();
const request = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Umbrella in Paris today?' }] };
const body = JSON.stringify(request);

async function signed(options: { signers?: Signer[]; request?: unknown } = {}) {
  const leaves = [createLeaf(createBlock({ kind: 'user', tenant: 'acme', content: 'hi' }))];
  return signManifest(
    {
      tenant: 'acme',
      audience: 'gateway',
      leaves,
      requestDigest: digestRequest(options.request ?? request),
      ttlSeconds: 300,
    },
    options.signers ?? [createSigner(keys)],
  );
}

async function failure(promise: Promise<unknown>): Promise<{ kind: string; code: string; path?: string }> {
  try {
    await promise;
    return { kind: 'accepted', code: 'accepted' };
  } catch (e) {
    if (InvalidArgumentError.isInstance(e)) return { kind: 'argument', code: e.code, path: e.path };
    if (VerificationError.isInstance(e)) return { kind: 'verification', code: e.code };
    throw e;
  }
}

describe('fail-closed verifier options (issue 12.7, 11.4: a missing tenant read as tenant_mismatch, bad keys as key_unknown)', () => {
  const good = () => ({
    keys: [keys.publicKey],
    tenant: 'acme',
    audience: 'gateway',
    replay: false as const,
  });
  // Each row: an option patch and the path the InvalidArgumentError must name.
  const table: [string, Record<string, unknown>, string][] = [
    ['audience omitted (was: any audience verified)', { audience: undefined }, 'options.audience'],
    ['audience empty', { audience: '' }, 'options.audience'],
    ['audience not a string', { audience: 42 }, 'options.audience'],
    ['replay omitted (was: one envelope verified again and again)', { replay: undefined }, 'options.replay'],
    ['replay true', { replay: true }, 'options.replay'],
    ['replay not a store', { replay: { claim: 'no' } }, 'options.replay'],
    ['tenant omitted', { tenant: undefined }, 'options.tenant'],
    ['tenant empty', { tenant: '' }, 'options.tenant'],
    ['keys omitted', { keys: undefined }, 'options.keys'],
    ['keys not an array', { keys: 'abc' }, 'options.keys'],
    ['a bad key', { keys: [keys.publicKey, 'zz'] }, 'options.keys[1]'],
    ['a small-order key', { keys: [new Uint8Array(32)] }, 'options.keys[0]'],
    ['too many keys', { keys: Array(1025).fill(keys.publicKey) }, 'options.keys'],
    ['now not a Date', { now: '2026-01-01' }, 'options.now'],
    ['now an invalid Date', { now: new Date(Number.NaN) }, 'options.now'],
    ['skew negative', { skewSeconds: -1 }, 'options.skewSeconds'],
    ['skew over an hour', { skewSeconds: 3601 }, 'options.skewSeconds'],
    ['threshold 0', { threshold: 0 }, 'options.threshold'],
    ['threshold beyond MAX_SIGNATURES', { threshold: MAX_SIGNATURES + 1 }, 'options.threshold'],
    ['threshold fractional', { threshold: 1.5 }, 'options.threshold'],
    ['producerKeys not keys', { producerKeys: 5 }, 'options.producerKeys'],
    ['requireProducer without producerKeys', { requireProducer: true }, 'options.producerKeys'],
    [
      'requireProducer not a boolean',
      { requireProducer: 'yes', producerKeys: [] },
      'options.requireProducer',
    ],
    ['hash unknown', { hash: 'md5' }, 'options.hash'],
  ];

  it.each(table)(
    '%s → invalid_argument at its path, for verifyEnvelope and verifyPayload',
    async (_name, patch, path) => {
      const { envelope } = await signed();
      const options = { ...good(), ...patch } as never;
      for (const run of [
        () => verifyEnvelope({ envelope, requestDigest: digestRequest(request) }, options),
        () => verifyPayload({ body, envelope }, options),
        () => verifyPayload({ request, envelope }, options),
      ]) {
        expect(await failure(run())).toEqual({ kind: 'argument', code: 'invalid_argument', path });
      }
    },
  );

  it('options are checked before the body and the envelope', async () => {
    const error = await failure(
      verifyPayload({ body: '{"a":1,"a":2}', envelope: null }, { keys: [] } as never),
    );
    expect(error.kind).toBe('argument');
  });

  it('verifyPayload input: exactly one of body and request', async () => {
    const { envelope } = await signed();
    expect(await failure(verifyPayload({ envelope } as never, good()))).toMatchObject({ path: 'input' });
    expect(await failure(verifyPayload({ envelope, body, request } as never, good()))).toMatchObject({
      path: 'input',
    });
    expect(await failure(verifyPayload({ envelope, body: 5 } as never, good()))).toMatchObject({
      path: 'input.body',
    });
    expect(await failure(verifyPayload(null as never, good()))).toMatchObject({ path: 'input' });
  });

  it('replay: false verifies (the documented unsafe opt-out); a store refuses the second time', async () => {
    const { envelope } = await signed();
    expect((await failure(verifyPayload({ body, envelope }, good()))).code).toBe('accepted');
    expect((await failure(verifyPayload({ body, envelope }, good()))).code).toBe('accepted');
    const replay = createMemoryReplayStore();
    expect((await failure(verifyPayload({ body, envelope }, { ...good(), replay }))).code).toBe('accepted');
    expect((await failure(verifyPayload({ body, envelope }, { ...good(), replay }))).code).toBe('replayed');
  });

  it('a payload signed for another audience is refused (was: accepted when audience was omitted)', async () => {
    const { envelope } = await signed();
    expect(await failure(verifyPayload({ body, envelope }, { ...good(), audience: 'public' }))).toEqual({
      kind: 'verification',
      code: 'audience_mismatch',
    });
  });
});

describe('verify the bytes received (issue 12.9: the JS parse of an edited body still verified)', () => {
  const options = { keys: [keys.publicKey], tenant: 'acme', audience: 'gateway', replay: false as const };

  it('the raw body verifies, as a string and as bytes; the request object still works', async () => {
    const { envelope } = await signed();
    expect((await failure(verifyPayload({ body, envelope }, options))).code).toBe('accepted');
    expect(
      (await failure(verifyPayload({ body: new TextEncoder().encode(body), envelope }, options))).code,
    ).toBe('accepted');
    expect(
      (await failure(verifyPayload({ body: JSON.stringify(request, null, 2), envelope }, options))).code,
    ).toBe('accepted');
    expect((await failure(verifyPayload({ request, envelope }, options))).code).toBe('accepted');
  });

  it('a duplicate key with the attacker value first is refused before any digest', async () => {
    const { envelope } = await signed();
    // JSON.parse keeps the last value (the signed one); a first-wins parser downstream reads "evil-model".
    const edited = body.replace('{"model":"gpt-4o"', '{"model":"evil-model","model":"gpt-4o"');
    expect(JSON.parse(edited)).toEqual(request);
    expect(await failure(verifyPayload({ body: edited, envelope }, options))).toEqual({
      kind: 'verification',
      code: 'body_invalid',
    });
  });

  it('an integer beyond 2^53 is refused (JS reads 2^53+1 as 2^53; an arbitrary-precision parser does not)', async () => {
    const withMax = { ...request, max_tokens: 2 ** 53 };
    const { envelope } = await signed({ request: withMax });
    const edited = JSON.stringify(withMax).replace('9007199254740992', '9007199254740993');
    expect(JSON.parse(edited)).toEqual(withMax);
    expect(await failure(verifyPayload({ body: edited, envelope }, options))).toEqual({
      kind: 'verification',
      code: 'body_invalid',
    });
  });

  it('lone surrogates, non-JSON, bad UTF-8 and deep nesting are body_invalid too', async () => {
    const { envelope } = await signed();
    for (const bad of [
      body.replace('Umbrella', '\\ud800'),
      body.replace('Umbrella', '\uDC00'),
      `${body}x`,
      new Uint8Array([0x7b, 0xff, 0x7d]),
      `${'['.repeat(600)}${']'.repeat(600)}`,
    ]) {
      expect((await failure(verifyPayload({ body: bad, envelope }, options))).code).toBe('body_invalid');
    }
  });
});

describe('producer signatures survive any chain of transforms (issue 12.10: sanitized + truncated failed as digest_mismatch)', () => {
  it('a producer-signed block, sanitized then truncated, verifies with producerKeys', async () => {
    const plugin = generateKeyPair();
    const raw = stampBlock(
      createBlock({
        kind: 'tool-result',
        tenant: 'acme',
        content: 'sunny\u200B, 21 °C, light wind from the west',
        source: { type: 'mcp', server: 'weather', tool: 'forecast' },
      }),
    );
    const signedAtSource = attachProducerSignature(raw, await signBlock(raw, createSigner(plugin)));
    const clean = deriveBlock(signedAtSource, {
      content: 'sunny, 21 °C, light wind from the west',
      transform: { kind: 'sanitize' },
    });
    const cut = deriveBlock(clean, { content: 'sunny, 21 °C', transform: { kind: 'truncate' } });
    const leaves = [createLeaf(cut)];
    const requestDigest = digestRequest(request);
    const { envelope } = await signManifest(
      { tenant: 'acme', audience: 'gateway', leaves, requestDigest, ttlSeconds: 60 },
      createSigner(keys),
    );
    const opts = {
      keys: [keys.publicKey],
      tenant: 'acme',
      audience: 'gateway',
      replay: false as const,
      producerKeys: [plugin.publicKey],
      requireProducer: true,
    };
    expect((await failure(verifyEnvelope({ envelope, requestDigest, leaves }, opts))).code).toBe('accepted');
    expect(
      (await failure(verifyPayload({ body, envelope, leaves, contents: [cut.content] }, opts))).code,
    ).toBe('accepted');
    // With only the last parent in the lineage (as before the fix), the signed original is gone.
    const oldLeaves = [createLeaf({ ...cut, parents: cut.parents.slice(-1) })];
    const old = await signManifest(
      { tenant: 'acme', audience: 'gateway', leaves: oldLeaves, requestDigest, ttlSeconds: 60 },
      createSigner(keys),
    );
    expect(
      (await failure(verifyEnvelope({ envelope: old.envelope, requestDigest, leaves: oldLeaves }, opts)))
        .code,
    ).toBe('digest_mismatch');
  });
});
