import { digestRequest } from '@ctxpack/provenance';
import {
  createKeyring,
  createMemoryReplayStore,
  generateKeyPair,
  redactLeaf,
  verifyEnvelope,
} from '@ctxpack/sign';
import { MANIFEST_PAYLOAD_TYPE } from '@ctxpack/sign/primitives';
import { describe, expect, it } from 'vitest';
import { codeOf, makeSigned, NOW, request } from './helpers.js';

describe('signManifest → verifyEnvelope', () => {
  it('round-trips with leaves, contents and the request digest', async () => {
    const s = await makeSigned({ blocks: 5 });
    expect(s.envelope.payloadType).toBe(MANIFEST_PAYLOAD_TYPE);
    expect(s.envelope.signatures).toHaveLength(1);
    expect(s.manifest).toMatchObject({ v: 1, tenant: 'acme', audience: 'gateway', treeSize: 5 });
    expect(s.manifest.expiresAt).toBe('2026-03-01T12:05:00.000Z');
    const result = await verifyEnvelope(
      {
        envelope: JSON.parse(JSON.stringify(s.envelope)),
        requestDigest: digestRequest(request),
        leaves: s.leaves,
        contents: s.contents,
      },
      {
        keys: [s.keyPairs[0]!.publicKey],
        tenant: 'acme',
        audience: 'gateway',
        now: NOW,
        replay: createMemoryReplayStore({ now: () => NOW.getTime() }),
      },
    );
    expect(result.manifest).toEqual(s.manifest);
    expect(result.leaves).toEqual(s.leaves);
    expect(result.keyIds).toEqual([s.keyPairs[0]!.keyId]);
  });

  it('each failed check has its own code', async () => {
    const s = await makeSigned();
    const key = s.keyPairs[0]!.publicKey;
    const base = { envelope: s.envelope, requestDigest: s.requestDigest, leaves: s.leaves };
    const opts = { keys: [key], tenant: 'acme', audience: 'gateway', replay: false as const, now: NOW };
    expect(await codeOf(verifyEnvelope(base, opts))).toBe('accepted');
    expect(await codeOf(verifyEnvelope({ ...base, envelope: { ...s.envelope, payload: 'x' } }, opts))).toBe(
      'malformed_envelope',
    );
    expect(await codeOf(verifyEnvelope(base, { ...opts, keys: [generateKeyPair().publicKey] }))).toBe(
      'key_unknown',
    );
    const otherSig = {
      ...s.envelope,
      signatures: [
        {
          keyid: s.keyPairs[0]!.keyId,
          sig: s.envelope.signatures[0]!.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
        },
      ],
    };
    expect(await codeOf(verifyEnvelope({ ...base, envelope: otherSig }, opts))).toBe('signature_invalid');
    expect(
      await codeOf(verifyEnvelope(base, { ...opts, keys: createKeyring([{ key, status: 'revoked' }]) })),
    ).toBe('key_revoked');
    expect(await codeOf(verifyEnvelope(base, { ...opts, tenant: 'globex' }))).toBe('tenant_mismatch');
    expect(
      await codeOf(verifyEnvelope(base, { ...opts, keys: createKeyring([{ key, tenants: ['globex'] }]) })),
    ).toBe('tenant_mismatch');
    expect(await codeOf(verifyEnvelope(base, { ...opts, audience: 'other' }))).toBe('audience_mismatch');
    expect(await codeOf(verifyEnvelope(base, { ...opts, now: new Date('2026-03-01T12:06:01Z') }))).toBe(
      'expired',
    );
    expect(await codeOf(verifyEnvelope(base, { ...opts, now: new Date('2026-03-01T11:58:59Z') }))).toBe(
      'not_yet_valid',
    );
    expect(await codeOf(verifyEnvelope({ ...base, leaves: s.leaves.slice(1) }, opts))).toBe('proof_invalid');
    expect(
      await codeOf(
        verifyEnvelope({ ...base, requestDigest: digestRequest({ ...request, model: 'x' }) }, opts),
      ),
    ).toBe('digest_mismatch');
    expect(await codeOf(verifyEnvelope({ ...base, contents: ['a', 'b', 'c'] }, opts))).toBe(
      'digest_mismatch',
    );
    const replay = createMemoryReplayStore({ now: () => NOW.getTime() });
    expect(await codeOf(verifyEnvelope(base, { ...opts, replay }))).toBe('accepted');
    expect(await codeOf(verifyEnvelope(base, { ...opts, replay }))).toBe('replayed');
  });

  it('a redacted leaf still verifies', async () => {
    const s = await makeSigned({ blocks: 4 });
    const leaves = [s.leaves[0], redactLeaf(s.leaves[1]!), s.leaves[2], s.leaves[3]];
    const result = await verifyEnvelope(
      {
        envelope: s.envelope,
        requestDigest: s.requestDigest,
        leaves,
        contents: [s.contents[0], undefined, s.contents[2], s.contents[3]],
      },
      {
        keys: [s.keyPairs[0]!.publicKey],
        tenant: 'acme',
        audience: 'gateway',
        replay: false as const,
        now: NOW,
      },
    );
    expect(result.redacted).toEqual([1]);
    expect(result.leaves?.map((l) => l.id)).toEqual([s.leaves[0]!.id, s.leaves[2]!.id, s.leaves[3]!.id]);
  });
});
