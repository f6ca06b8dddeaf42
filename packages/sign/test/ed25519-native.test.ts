import { InvalidArgumentError } from '@ctxpack/block';
import { createSigner, generateKeyPair } from '@ctxpack/sign';
import { hasNativeEd25519, MAX_CACHED_KEYS, verifyEd25519Async } from '@ctxpack/sign/primitives';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const keys = generateKeyPair();
const message = utf8('the manifest bytes');
const signature = await createSigner(keys).sign(message);

// Little-endian 32-byte integers, for spelling out edge encodings.
const le = (n: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
};
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const withR = (r: Uint8Array): Uint8Array => Uint8Array.from([...r, ...signature.subarray(32)]);
const signBit = (b: Uint8Array): Uint8Array => {
  const out = Uint8Array.from(b);
  out[31] = (out[31] as number) | 0x80;
  return out;
};
const sOf = (sig: Uint8Array): bigint => {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i] as number);
  return s;
};

beforeAll(async () => {
  expect(await hasNativeEd25519()).toBe(true); // Node >= 20
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('verifyEd25519Async', () => {
  it('verifies a signature on every path, and refuses a changed message', async () => {
    for (const ed25519 of ['auto', 'native', 'noble'] as const) {
      expect(await verifyEd25519Async(signature, message, keys.publicKey, { ed25519 })).toBe(true);
      expect(await verifyEd25519Async(signature, utf8('other bytes'), keys.publicKey, { ed25519 })).toBe(
        false,
      );
    }
  });

  /*
   * The pre-checks must hold whatever the runtime's verifier accepts: here WebCrypto is replaced by one
   * that accepts everything, and every encoding the pinned rule set refuses must still be refused.
   */
  it('refuses S >= L, non-canonical R and small-order or non-canonical A before the native call', async () => {
    const accept = vi.spyOn(globalThis.crypto.subtle, 'verify').mockResolvedValue(true);
    const native = (sig: Uint8Array, key: Uint8Array = keys.publicKey) =>
      verifyEd25519Async(sig, message, key, { ed25519: 'native' });
    // Control: what passes the pre-checks is left to the native verifier (which here says yes).
    expect(await native(Uint8Array.from(signature))).toBe(true);
    expect(await native(withR(le(P - 2n)))).toBe(true);
    expect(accept).toHaveBeenCalled();

    const sPlusL = Uint8Array.from(signature);
    sPlusL.set(le(sOf(signature) + L), 32);
    expect(await native(sPlusL)).toBe(false); // S >= L
    const sEqualsL = Uint8Array.from(signature);
    sEqualsL.set(le(L), 32);
    expect(await native(sEqualsL)).toBe(false);
    expect(await native(withR(le(P)))).toBe(false); // y = p: non-canonical (y >= p)
    expect(await native(withR(le(P + 1n)))).toBe(false); // y = p + 1 spells y = 1 non-canonically
    expect(await native(withR(signBit(le(1n))))).toBe(false); // x = 0 with the sign bit ("negative zero")
    expect(await native(withR(signBit(le(P - 1n))))).toBe(false);
    expect(await native(signature, le(1n))).toBe(false); // A = identity (small order)
    expect(await native(signature, le(0n))).toBe(false); // A of order 4
    expect(await native(signature, le(P + 1n))).toBe(false); // A non-canonical
    expect(await native(signature.subarray(0, 63))).toBe(false);
    expect(await native(signature, keys.publicKey.subarray(0, 31))).toBe(false);
  });

  it('a native refusal is re-checked by noble: the pinned rule set decides (mixed-order signatures)', async () => {
    // A native verifier that refuses everything: the valid signature is still accepted (noble re-checks),
    // and the invalid one still refused.
    vi.spyOn(globalThis.crypto.subtle, 'verify').mockResolvedValue(false);
    expect(await verifyEd25519Async(signature, message, keys.publicKey, { ed25519: 'native' })).toBe(true);
    expect(await verifyEd25519Async(signature, utf8('x'), keys.publicKey, { ed25519: 'native' })).toBe(false);
    // A runtime that throws mid-verify is handled the same way.
    vi.spyOn(globalThis.crypto.subtle, 'verify').mockRejectedValue(new Error('NotSupportedError'));
    expect(await verifyEd25519Async(signature, message, keys.publicKey, { ed25519: 'native' })).toBe(true);
  });

  it('imports each public key once and keeps at most MAX_CACHED_KEYS of them', async () => {
    const fresh = generateKeyPair();
    const sig = await createSigner(fresh).sign(message);
    // Spied after signing: the signer imports its private key once, too.
    const importKey = vi.spyOn(globalThis.crypto.subtle, 'importKey');
    for (let i = 0; i < 5; i++) {
      expect(await verifyEd25519Async(sig, message, fresh.publicKey)).toBe(true);
    }
    expect(importKey).toHaveBeenCalledTimes(1);
    // Fill the cache with other (valid) keys: the first key is evicted and imported again.
    const others = Array.from({ length: MAX_CACHED_KEYS }, () => generateKeyPair().publicKey);
    for (const key of others) await verifyEd25519Async(sig, message, key);
    importKey.mockClear();
    expect(await verifyEd25519Async(sig, message, fresh.publicKey)).toBe(true);
    expect(importKey).toHaveBeenCalledTimes(1);
    // The most recently used key stays cached.
    importKey.mockClear();
    await verifyEd25519Async(sig, message, others.at(-1) as Uint8Array);
    expect(importKey).not.toHaveBeenCalled();
  }, 60_000);

  it('wrong options are invalid_argument; bad bytes are a plain refusal', async () => {
    for (const options of [null, 'native', { ed25519: 'openssl' }]) {
      await expect(
        verifyEd25519Async(signature, message, keys.publicKey, options as never),
      ).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e) && e.code === 'invalid_argument');
    }
    expect(await verifyEd25519Async('sig' as never, message, keys.publicKey)).toBe(false);
    expect(await verifyEd25519Async(signature, 42 as never, keys.publicKey)).toBe(false);
  });
});

describe('verifyEnvelope ed25519 option', () => {
  it('accepts on both forced paths; a wrong value is invalid_argument before any check', async () => {
    const { createLeaf, signManifest, verifyEnvelope } = await import('@ctxpack/sign');
    const { createBlock } = await import('@ctxpack/block');
    const { digestRequest } = await import('@ctxpack/provenance');
    const request = { model: 'gpt-4o', messages: [] };
    const leaves = [createLeaf(createBlock({ kind: 'user', tenant: 'acme', content: 'hi' }))];
    const { envelope } = await signManifest(
      { tenant: 'acme', audience: 'gw', leaves, requestDigest: digestRequest(request), ttlSeconds: 60 },
      createSigner(keys),
    );
    const verify = (ed25519: unknown) =>
      verifyEnvelope(
        { envelope, requestDigest: digestRequest(request), leaves },
        { keys: [keys.publicKey], tenant: 'acme', audience: 'gw', replay: false, ed25519: ed25519 as never },
      );
    for (const path of ['auto', 'native', 'noble', undefined]) {
      expect((await verify(path)).keyIds).toEqual([keys.keyId]);
    }
    await expect(verify('openssl')).rejects.toSatisfy(
      (e) => InvalidArgumentError.isInstance(e) && e.path === 'options.ed25519',
    );
  });
});
