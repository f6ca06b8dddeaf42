import { createNodeCrypto } from '@ctxpack/gateway/node';
import type { NativeCrypto } from '@ctxpack/sign';
import { createContext, generateKeyPair, VerificationError, verifyPayload } from 'ctxpack';
import { describe, expect, it } from 'vitest';

const keys = generateKeyPair();
const now = new Date('2026-01-01T12:00:00Z');

/** createNodeCrypto with its calls counted. */
function counted(): NativeCrypto & { calls: { sha256: number; verify: number } } {
  const inner = createNodeCrypto();
  const calls = { sha256: 0, verify: 0 };
  return {
    calls,
    sha256: (bytes) => {
      calls.sha256++;
      return inner.sha256(bytes);
    },
    verifyEd25519: (signature, message, publicKey) => {
      calls.verify++;
      return inner.verifyEd25519(signature, message, publicKey);
    },
  };
}

describe('verifyPayload with host crypto (native: createNodeCrypto())', () => {
  it('digests the body and checks the signature through it, with the same outcomes as WebCrypto and noble', async () => {
    const ctx = createContext({ tenant: 'acme', signer: keys });
    ctx.system('Answer from the documents.', { pinned: true });
    ctx.document('Paris: rain until 15:00. '.repeat(400), { type: 'retrieval', uri: 'kb://paris' });
    const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 4_000, audience: 'gw', now });
    const body = JSON.stringify(payload.request);
    const options = { keys: [keys.publicKey], tenant: 'acme', audience: 'gw', replay: false as const, now };
    const native = counted();
    await verifyPayload({ body, envelope: payload.envelope }, { ...options, native });
    // The first use probes the backend (one SHA-256, two Ed25519 checks); then one of each per verification.
    expect(native.calls).toEqual({ sha256: 2, verify: 3 });
    native.calls.sha256 = 0;
    native.calls.verify = 0;
    const viaHost = await verifyPayload({ body, envelope: payload.envelope }, { ...options, native });
    expect(native.calls).toEqual({ sha256: 1, verify: 1 });
    const viaWebCrypto = await verifyPayload({ body, envelope: payload.envelope }, options);
    const viaNoble = await verifyPayload(
      { body, envelope: payload.envelope },
      { ...options, hash: 'noble', ed25519: 'noble' },
    );
    expect(viaHost.manifest).toEqual(viaWebCrypto.manifest);
    expect(viaHost.manifest).toEqual(viaNoble.manifest);

    // `noble` on both knobs leaves the host backend unused (it is still checked: the probe's three calls).
    const unused = counted();
    await verifyPayload(
      { body, envelope: payload.envelope },
      { ...options, hash: 'noble', ed25519: 'noble', native: unused },
    );
    expect(unused.calls).toEqual({ sha256: 1, verify: 2 });

    const tampered = body.replace('rain', 'sun');
    await expect(
      verifyPayload({ body: tampered, envelope: payload.envelope }, { ...options, native }),
    ).rejects.toSatisfy((e) => VerificationError.isInstance(e) && e.code === 'digest_mismatch');
    const forged = structuredClone(payload.envelope);
    const sig = forged.signatures[0] as { sig: string };
    sig.sig = `${sig.sig.slice(0, 10)}${sig.sig[10] === 'A' ? 'B' : 'A'}${sig.sig.slice(11)}`;
    await expect(verifyPayload({ body, envelope: forged }, { ...options, native })).rejects.toSatisfy(
      (e) => VerificationError.isInstance(e) && e.code === 'signature_invalid',
    );
  });

  it('a backend that is not one is invalid_argument, before any verification', async () => {
    const options = { keys: [keys.publicKey], tenant: 'acme', audience: 'gw', replay: false as const };
    for (const native of [{}, { sha256: () => new Uint8Array(32), verifyEd25519: () => true }, 7]) {
      await expect(
        verifyPayload({ body: '{}', envelope: {} as never }, { ...options, native: native as never }),
      ).rejects.toMatchObject({ code: 'invalid_argument', path: 'options.native' });
    }
  });
});
