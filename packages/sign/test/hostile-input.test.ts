import { encodeBase64 } from '@ctxpack/block/kernel';
import { createSigner, generateKeyPair, verifyEnvelope } from '@ctxpack/sign';
import { encodePae, MANIFEST_PAYLOAD_TYPE } from '@ctxpack/sign/primitives';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf, makeSigned, NOW } from './helpers.js';

describe('verifyEnvelope on hostile input', () => {
  it('every non-envelope value is malformed_envelope, never a crash', async () => {
    const s = await makeSigned();
    const opts = {
      keys: [s.keyPairs[0]!.publicKey],
      tenant: 'acme',
      audience: 'gateway',
      replay: false as const,
      now: NOW,
    };
    const sig = s.envelope.signatures[0]!;
    const values: unknown[] = [
      null,
      undefined,
      'envelope',
      [],
      {},
      { ...s.envelope, payloadType: 'application/json' },
      { ...s.envelope, extra: 1 },
      { ...s.envelope, payload: `${s.envelope.payload}=` },
      { ...s.envelope, payload: s.envelope.payload.replace(/=*$/, '') },
      { ...s.envelope, payload: 'A'.repeat(200_000) },
      { ...s.envelope, signatures: [] },
      { ...s.envelope, signatures: Array(17).fill(sig) },
      { ...s.envelope, signatures: [{ ...sig, sig: sig.sig.slice(0, 80) }] },
      { ...s.envelope, signatures: [{ ...sig, sig: sig.sig.replace(/\+/g, '-').replace(/\//g, '_') }] },
      { ...s.envelope, signatures: [{ ...sig, alg: 'none' }] },
      { ...s.envelope, signatures: [{ ...sig, keyid: 5 }] },
    ];
    // A rewrite that happens to change nothing (a signature without '+' or '/', ~6 % of keys; a payload
    // without padding) leaves the valid envelope: not a hostile value, so it is left out.
    const original = JSON.stringify(s.envelope);
    for (const envelope of values.filter((v) => JSON.stringify(v) !== original)) {
      const code = await codeOf(verifyEnvelope({ envelope, requestDigest: s.requestDigest }, opts));
      if (code !== 'malformed_envelope')
        expect([JSON.stringify(envelope)?.slice(0, 200), code]).toEqual(['', 'malformed_envelope']);
    }
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (envelope) => {
        expect(await codeOf(verifyEnvelope({ envelope, requestDigest: s.requestDigest }, opts))).not.toBe(
          'accepted',
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a validly signed but non-canonical or malformed manifest is refused after the signature check', async () => {
    const pair = generateKeyPair();
    const signer = createSigner(pair);
    const sign = async (text: string) => {
      const payload = new TextEncoder().encode(text);
      const sig = await signer.sign(encodePae(MANIFEST_PAYLOAD_TYPE, payload));
      return {
        payloadType: MANIFEST_PAYLOAD_TYPE,
        payload: encodeBase64(payload),
        signatures: [{ keyid: pair.keyId, sig: encodeBase64(sig) }],
      };
    };
    const manifest = {
      audience: 'x',
      expiresAt: '2026-03-01T12:05:00.000Z',
      issuedAt: '2026-03-01T12:00:00.000Z',
      nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
      requestDigest: `sha256:${'a'.repeat(64)}`,
      root: `sha256:${'b'.repeat(64)}`,
      tenant: 'acme',
      treeSize: 0,
      v: 1,
    };
    const opts = { keys: [pair.publicKey], tenant: 'acme', audience: 'x', replay: false as const, now: NOW };
    const verify = async (text: string) =>
      codeOf(verifyEnvelope({ envelope: await sign(text), requestDigest: manifest.requestDigest }, opts));
    expect(await verify(JSON.stringify(manifest))).toBe('accepted');
    expect(await verify(JSON.stringify(manifest, null, 1))).toBe('malformed_envelope');
    expect(
      await verify(JSON.stringify(manifest).replace('"tenant":"acme"', '"tenant":"globex","tenant":"acme"')),
    ).toBe('malformed_envelope');
    expect(await verify(JSON.stringify({ ...manifest, v: 2 }))).toBe('malformed_envelope');
    expect(await verify(JSON.stringify({ ...manifest, nonce: 'AAAA' }))).toBe('malformed_envelope');
    expect(await verify(JSON.stringify({ ...manifest, expiresAt: '2027-03-01T12:05:00.000Z' }))).toBe(
      'malformed_envelope',
    );
    expect(await verify('\uFEFF{}')).toBe('malformed_envelope');
  });
});
