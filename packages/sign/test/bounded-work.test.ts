import { createBlock, InvalidArgumentError } from '@ctxpack/block';
import { encodeBase64 } from '@ctxpack/block/kernel';
import { digestRequest } from '@ctxpack/provenance';
import type { Signer } from '@ctxpack/sign';
import {
  createKeyring,
  createLeaf,
  createSigner,
  generateKeyPair,
  MAX_SIGNATURES,
  signManifest,
  VerificationError,
  verifyEnvelope,
} from '@ctxpack/sign';
import { hasNativeEd25519 } from '@ctxpack/sign/primitives';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// Every Ed25519 verification ctxpack runs goes through @noble/ed25519's verify or WebCrypto's: count both.
const counter = vi.hoisted(() => ({ verifications: 0, native: 0 }));
vi.mock('@noble/ed25519', async (importOriginal) => {
  const ed = await importOriginal<typeof import('@noble/ed25519')>();
  return {
    ...ed,
    verify: (...args: Parameters<typeof ed.verify>) => {
      counter.verifications++;
      return ed.verify(...args);
    },
  };
});

const nativeVerify = globalThis.crypto.subtle.verify.bind(globalThis.crypto.subtle);
vi.spyOn(globalThis.crypto.subtle, 'verify').mockImplementation((...args) => {
  counter.native++;
  return nativeVerify(...args);
});

const keys = generateKeyPair();
const request = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Umbrella in Paris today?' }] };

async function signed(options: { signers?: Signer[] } = {}) {
  const leaves = [createLeaf(createBlock({ kind: 'user', tenant: 'acme', content: 'hi' }))];
  return signManifest(
    { tenant: 'acme', audience: 'gateway', leaves, requestDigest: digestRequest(request), ttlSeconds: 300 },
    options.signers ?? [createSigner(keys)],
  );
}

async function failure(promise: Promise<unknown>): Promise<{ kind: string; code: string }> {
  try {
    await promise;
    return { kind: 'accepted', code: 'accepted' };
  } catch (e) {
    if (InvalidArgumentError.isInstance(e)) return { kind: 'argument', code: e.code };
    if (VerificationError.isInstance(e)) return { kind: 'verification', code: e.code };
    throw e;
  }
}

it('the counters see every verification on both paths (so a count of 0 below means none ran)', async () => {
  const { envelope } = await signed();
  expect(await hasNativeEd25519()).toBe(true); // Node >= 20; probed once (two verifications), before counting
  const run = async (ed25519: 'noble' | 'native') => {
    counter.verifications = 0;
    counter.native = 0;
    await verifyEnvelope(
      { envelope, requestDigest: digestRequest(request) },
      { keys: [keys.publicKey], tenant: 'acme', audience: 'gateway', replay: false, ed25519 },
    );
    return { noble: counter.verifications, native: counter.native };
  };
  expect(await run('noble')).toEqual({ noble: 1, native: 0 });
  // A valid signature is settled by WebCrypto alone; only a native refusal is re-checked by noble.
  expect(await run('native')).toEqual({ noble: 0, native: 1 });
});

describe('bounded verification work (issue 12.8: 16 unnamed signatures x 256 keys = 4,096 verifications, ~12 s)', () => {
  const ring = createKeyring(Array.from({ length: 256 }, () => ({ key: generateKeyPair().publicKey })));
  beforeEach(() => {
    counter.verifications = 0;
    counter.native = 0;
  });

  it('16 unnamed signatures against a 256-key keyring: no verification at all, a typed refusal', async () => {
    const { envelope } = await signed();
    const junk = {
      ...envelope,
      signatures: Array.from({ length: 16 }, () => ({ sig: encodeBase64(new Uint8Array(64).fill(7)) })),
    };
    const started = performance.now();
    const error = await failure(
      verifyEnvelope(
        { envelope: junk, requestDigest: digestRequest(request) },
        { keys: ring, tenant: 'acme', audience: 'gateway', replay: false },
      ),
    );
    expect(error).toEqual({ kind: 'verification', code: 'key_unknown' });
    expect(counter.verifications).toBe(0);
    expect(counter.native).toBe(0);
    expect(performance.now() - started).toBeLessThan(5_000); // liveness only; the count above is the bound
  });

  it('16 named signatures: at most one verification each, whatever the keyring size', async () => {
    const { envelope } = await signed();
    const ids = ring.entries.map((e) => e.key.keyId);
    const junk = {
      ...envelope,
      signatures: ids.slice(0, 16).map((keyid) => ({ keyid, sig: encodeBase64(new Uint8Array(64).fill(7)) })),
    };
    const error = await failure(
      verifyEnvelope(
        { envelope: junk, requestDigest: digestRequest(request) },
        { keys: ring, tenant: 'acme', audience: 'gateway', replay: false },
      ),
    );
    expect(error.code).toBe('signature_invalid');
    expect(counter.verifications).toBeLessThanOrEqual(MAX_SIGNATURES);
    expect(counter.native).toBeLessThanOrEqual(MAX_SIGNATURES);
  });

  it('unnamed signatures against a small keyring: at most MAX_SIGNATURES verifications per envelope', async () => {
    const few = Array.from({ length: 4 }, () => generateKeyPair().publicKey);
    const { envelope } = await signed();
    const junk = {
      ...envelope,
      signatures: Array.from({ length: 16 }, () => ({ sig: encodeBase64(new Uint8Array(64).fill(9)) })),
    };
    await failure(
      verifyEnvelope(
        { envelope: junk, requestDigest: digestRequest(request) },
        { keys: [...few, keys.publicKey].slice(0, 4), tenant: 'acme', audience: 'gateway', replay: false },
      ),
    );
    expect(counter.verifications).toBeLessThanOrEqual(MAX_SIGNATURES);
    expect(counter.native).toBeLessThanOrEqual(MAX_SIGNATURES);
    // An honest unnamed signature still verifies against a small keyring.
    const honest = { ...envelope, signatures: envelope.signatures.map(({ sig }) => ({ sig })) };
    expect(
      (
        await failure(
          verifyEnvelope(
            { envelope: honest, requestDigest: digestRequest(request) },
            { keys: [few[0]!, keys.publicKey], tenant: 'acme', audience: 'gateway', replay: false },
          ),
        )
      ).code,
    ).toBe('accepted');
  });

  it('a signer whose keyid is a KMS key name verifies when the verifier holds the key under that id (was: key_unknown)', async () => {
    const inner = createSigner(keys);
    const kms: Signer = {
      keyId: 'projects/acme/locations/eu/keyRings/ctx/cryptoKeys/signer/1',
      publicKey: keys.publicKey,
      sign: inner.sign,
    };
    const { envelope } = await signed({ signers: [kms] });
    expect(envelope.signatures[0]?.keyid).toBe(kms.keyId);
    const verify = (k: unknown) =>
      failure(
        verifyEnvelope(
          { envelope, requestDigest: digestRequest(request) },
          { keys: k as never, tenant: 'acme', audience: 'gateway', replay: false },
        ),
      );
    expect((await verify(createKeyring([{ key: keys.publicKey, id: kms.keyId }]))).code).toBe('accepted');
    expect(counter.verifications + counter.native).toBe(1);
    // A bare list knows keys by thumbprint only: the hint names no key it holds.
    expect((await verify([keys.publicKey])).code).toBe('key_unknown');
  });
});
