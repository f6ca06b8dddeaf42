import { InvalidArgumentError } from '@ctxpack/block';
import { digestRequest } from '@ctxpack/provenance';
import type { Signer } from '@ctxpack/sign';
import {
  createKeyring,
  createLeaf,
  createMemoryReplayStore,
  createSigner,
  generateKeyPair,
  InvalidKeyError,
  SignError,
  signManifest,
  verifyEnvelope,
} from '@ctxpack/sign';
import { describe, expect, it } from 'vitest';
import { codeOf, makeBlocks, makeSigned, NOW } from './helpers.js';

describe('thresholds', () => {
  it('1-of-1 round trip', async () => {
    const s = await makeSigned({ keys: 1 });
    const r = await verifyEnvelope(
      { envelope: s.envelope, requestDigest: s.requestDigest },
      {
        keys: [s.keyPairs[0]!.publicKey],
        tenant: 'acme',
        audience: 'gateway',
        replay: false as const,
        now: NOW,
        threshold: 1,
      },
    );
    expect(r.keyIds).toEqual([s.keyPairs[0]!.keyId]);
  });

  it('2-of-3: two signers pass, one does not, and one key signing twice counts once', async () => {
    const s = await makeSigned({ keys: 3, signWith: 2 });
    const keys = s.keyPairs.map((k) => k.publicKey);
    const base = { envelope: s.envelope, requestDigest: s.requestDigest };
    const opts = {
      keys,
      tenant: 'acme',
      audience: 'gateway',
      replay: false as const,
      now: NOW,
      threshold: 2,
    };
    const ok = await verifyEnvelope(base, opts);
    expect(ok.keyIds.sort()).toEqual([s.keyPairs[0]!.keyId, s.keyPairs[1]!.keyId].sort());
    expect(await codeOf(verifyEnvelope(base, { ...opts, threshold: 3 }))).toBe('signature_invalid');
    const first = s.envelope.signatures[0]!;
    const doubled = { ...s.envelope, signatures: [first, first] };
    expect(await codeOf(verifyEnvelope({ ...base, envelope: doubled }, opts))).toBe('signature_invalid');
    const noKeyid = { ...s.envelope, signatures: s.envelope.signatures.map(({ sig }) => ({ sig })) };
    expect(await codeOf(verifyEnvelope({ ...base, envelope: noKeyid }, opts))).toBe('accepted');
    // A key the verifier does not trust cannot make up the threshold.
    expect(await codeOf(verifyEnvelope(base, { ...opts, keys: [keys[0]!, keys[2]!] }))).toBe(
      'signature_invalid',
    );
  });

  it('an async (KMS-like) signer works', async () => {
    const pair = generateKeyPair();
    const inner = createSigner(pair);
    const kms: Signer = {
      keyId: inner.keyId,
      publicKey: inner.publicKey,
      sign: async (m) => {
        await new Promise((r) => setTimeout(r, 1));
        return inner.sign(m);
      },
    };
    const leaves = makeBlocks(2).map((b) => createLeaf(b));
    const requestDigest = digestRequest({ a: 1 });
    const { envelope } = await signManifest(
      { tenant: 'acme', audience: 'x', leaves, requestDigest, ttlSeconds: 60 },
      [kms],
    );
    await verifyEnvelope(
      { envelope, requestDigest, leaves },
      { keys: [pair.publicKey], tenant: 'acme', audience: 'x', replay: false },
    );
  });

  it('signManifest refuses bad input with typed errors', async () => {
    const signer = createSigner(generateKeyPair());
    const leaves = makeBlocks(1).map((b) => createLeaf(b));
    const good = { tenant: 'acme', audience: 'x', leaves, requestDigest: digestRequest({}), ttlSeconds: 60 };
    const bad: [string, object, unknown][] = [
      ['ttlSeconds', { ttlSeconds: 0 }, signer],
      ['ttlSeconds', { ttlSeconds: 1e9 }, signer],
      ['requestDigest', { requestDigest: 'md5:abc' }, signer],
      ['leaves[0].tenant', { tenant: 'globex' }, signer],
      ['signers[1]', {}, [signer, signer]],
      ['signers', {}, []],
    ];
    for (const [path, patch, signers] of bad) {
      const err = await signManifest({ ...good, ...patch }, signers as Signer[]).catch((e: unknown) => e);
      expect(InvalidArgumentError.isInstance(err), path).toBe(true);
      expect((err as InvalidArgumentError).path).toBe(path);
    }
  });
});

describe('keyrings', () => {
  it('rotation: a retired key verifies until notAfter; revoked never; notBefore in the future fails', async () => {
    const s = await makeSigned();
    const key = s.keyPairs[0]!.publicKey;
    const base = { envelope: s.envelope, requestDigest: s.requestDigest };
    const at = (entry: object) =>
      verifyEnvelope(base, {
        keys: createKeyring([{ key, ...entry }]),
        tenant: 'acme',
        audience: 'gateway',
        replay: false as const,
        now: NOW,
      });
    expect(await codeOf(at({ status: 'retired', notAfter: '2026-03-02T00:00:00Z' }))).toBe('accepted');
    expect(await codeOf(at({ status: 'retired', notAfter: '2026-03-01T00:00:00Z' }))).toBe('key_revoked');
    expect(await codeOf(at({ status: 'revoked' }))).toBe('key_revoked');
    expect(await codeOf(at({ notBefore: new Date('2026-04-01T00:00:00Z') }))).toBe('key_revoked');
    expect(await codeOf(at({ tenants: ['acme', 'globex'] }))).toBe('accepted');
    expect(await codeOf(at({ tenants: ['globex'] }))).toBe('tenant_mismatch');
  });

  it('refuses bad entries with their path', () => {
    const { publicKey } = generateKeyPair();
    const cases: [unknown, string, string][] = [
      [[{ key: publicKey }, { key: publicKey }], 'invalid_argument', 'entries[1]'],
      [[{ key: new Uint8Array(32) }], 'small_order', 'entries[0].key'],
      [[{ key: publicKey, notAfter: 'soon' }], 'invalid_argument', 'entries[0].notAfter'],
      [
        [{ key: publicKey, notBefore: '2026-02-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z' }],
        'invalid_argument',
        'entries[0].notAfter',
      ],
      [[{ key: publicKey, tenants: [''] }], 'invalid_argument', 'entries[0].tenants[0]'],
      [[{ key: publicKey, status: 'paused' }], 'invalid_argument', 'entries[0].status'],
      [
        [
          { key: publicKey, id: 'a' },
          { key: generateKeyPair().publicKey, id: 'a' },
        ],
        'invalid_argument',
        'entries[1].id',
      ],
      [[{ key: publicKey, id: '' }], 'invalid_argument', 'entries[0].id'],
      [{ length: 1 }, 'invalid_argument', 'entries'],
    ];
    for (const [entries, code, path] of cases) {
      let caught: unknown;
      try {
        createKeyring(entries as never);
      } catch (e) {
        caught = e;
      }
      expect(InvalidArgumentError.isInstance(caught)).toBe(true);
      const reason = InvalidKeyError.isInstance(caught)
        ? caught.reason
        : (caught as InvalidArgumentError).code;
      expect([reason, (caught as InvalidArgumentError).path]).toEqual([code, path]);
    }
  });
});

describe('replay protection', () => {
  it('the memory store lets exactly one of many concurrent claims through', async () => {
    const store = createMemoryReplayStore({ now: () => NOW.getTime() });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => store.claim('n1', { holdUntil: Date.now() + 60_000 })),
    );
    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r === 'replayed')).toHaveLength(49);
  });

  it('the memory store is bounded and fails closed, then frees expired nonces', async () => {
    let clock = 1_000;
    const store = createMemoryReplayStore({ maxEntries: 2, now: () => clock });
    expect(await store.claim('a', { holdUntil: 2_000 })).toBe('claimed');
    expect(await store.claim('b', { holdUntil: 5_000 })).toBe('claimed');
    const err = await store.claim('c', { holdUntil: 5_000 }).catch((e: unknown) => e);
    expect(SignError.isInstance(err) && err.code === 'replay_store_full').toBe(true);
    clock = 2_500;
    expect(await store.claim('c', { holdUntil: 5_000 })).toBe('claimed');
    expect(await store.claim('b', { holdUntil: 5_000 })).toBe('replayed');
    // A hold time the store's clock has passed cannot be held: refused, and not remembered.
    expect(await store.claim('d', { holdUntil: 2_400 })).toBe('expired');
    expect(await store.claim('d', { holdUntil: 2_400 })).toBe('expired');
    const bad = await store.claim('e', 5_000 as never).catch((e: unknown) => e);
    expect(InvalidArgumentError.isInstance(bad) && bad.path).toBe('claim');
  });

  it('a tampered payload does not burn the nonce: the replay claim runs last', async () => {
    const s = await makeSigned();
    const replay = createMemoryReplayStore({ now: () => NOW.getTime() });
    const opts = { keys: [s.keyPairs[0]!.publicKey], tenant: 'acme', audience: 'gateway', now: NOW, replay };
    const tampered = {
      envelope: s.envelope,
      requestDigest: digestRequest({ tampered: true }),
      leaves: s.leaves,
    };
    expect(await codeOf(verifyEnvelope(tampered, opts))).toBe('digest_mismatch');
    expect(
      await codeOf(
        verifyEnvelope({ ...tampered, requestDigest: s.requestDigest }, { ...opts, tenant: 'globex' }),
      ),
    ).toBe('tenant_mismatch');
    expect(await codeOf(verifyEnvelope({ ...tampered, requestDigest: s.requestDigest }, opts))).toBe(
      'accepted',
    );
    expect(await codeOf(verifyEnvelope({ ...tampered, requestDigest: s.requestDigest }, opts))).toBe(
      'replayed',
    );
  });
});
