import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { decodeBase64, encodeBase64Url } from '@ctxpack/block/kernel';
import {
  createSigner,
  deriveKeyId,
  exportKeyPair,
  exportPublicKey,
  generateKeyPair,
  InvalidKeyError,
  importKeyPair,
  importPublicKey,
} from '@ctxpack/sign';
import { describe, expect, it } from 'vitest';
import { makeSigned } from './helpers.js';

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    expect(InvalidKeyError.isInstance(e)).toBe(true);
    expect((e as InvalidKeyError).code).toBe('invalid_argument');
    return (e as InvalidKeyError).reason;
  }
  return undefined;
}

describe('keys', () => {
  const pair = generateKeyPair();

  it('keyId is the RFC 7638 JWK thumbprint', () => {
    const x = Buffer.from(pair.publicKey).toString('base64url');
    const thumbprint = createHash('sha256')
      .update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`)
      .digest('base64url');
    expect(pair.keyId).toBe(thumbprint);
    expect(deriveKeyId(pair.publicKey)).toBe(thumbprint);
    // RFC 8037 Appendix A.3 thumbprint of its example key.
    const rfcKey = importPublicKey({
      kty: 'OKP',
      crv: 'Ed25519',
      x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
    });
    expect(rfcKey.keyId).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('round-trips through raw, hex, base64url and JWK', () => {
    for (const format of ['raw', 'hex', 'base64url', 'jwk'] as const) {
      const exported = exportPublicKey(pair, format);
      const imported = importPublicKey(exported);
      expect(imported.publicKey).toEqual(pair.publicKey);
      expect(imported.keyId).toBe(pair.keyId);
    }
    expect(importPublicKey(JSON.stringify(exportPublicKey(pair, 'jwk'))).keyId).toBe(pair.keyId);
    // A key pair, or a PublicKey-shaped object from another copy of the package, is re-validated by its bytes.
    expect(importPublicKey(pair).keyId).toBe(pair.keyId);
    expect(importPublicKey({ keyId: 'forged', publicKey: pair.publicKey }).keyId).toBe(pair.keyId);
    expect(reasonOf(() => importPublicKey({ keyId: 'x', publicKey: new Uint8Array(32) }))).toBe(
      'small_order',
    );
    const again = importKeyPair(exportKeyPair(pair));
    expect(again.publicKey).toEqual(pair.publicKey);
    expect(importKeyPair(Buffer.from(pair.secretKey).toString('hex')).keyId).toBe(pair.keyId);
    expect(importKeyPair(JSON.stringify(exportKeyPair(pair))).keyId).toBe(pair.keyId);
  });

  it('the JWK interoperates with node:crypto', () => {
    const nodeKey = createPublicKey({ key: exportPublicKey(pair, 'jwk') as never, format: 'jwk' });
    expect(nodeKey.asymmetricKeyType).toBe('ed25519');
  });

  it('refuses malformed, non-canonical and small-order keys with a reason', () => {
    expect(reasonOf(() => importPublicKey(new Uint8Array(31)))).toBe('length');
    expect(reasonOf(() => importPublicKey('zz'.repeat(32)))).toBe('encoding');
    expect(reasonOf(() => importPublicKey('not a key'))).toBe('encoding');
    expect(reasonOf(() => importPublicKey('{"kty":"OKP"'))).toBe('encoding');
    expect(
      reasonOf(() =>
        importPublicKey({ kty: 'OKP', crv: 'X25519', x: encodeBase64Url(pair.publicKey) } as never),
      ),
    ).toBe('algorithm');
    expect(reasonOf(() => importPublicKey(42 as never))).toBe('encoding');
    // y = p (non-canonical encoding of y = 0), and the identity (y = 1), and y = 1 with the sign bit (x = 0, "negative zero").
    expect(
      reasonOf(() => importPublicKey(`edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f`)),
    ).toBe('non_canonical');
    expect(reasonOf(() => importPublicKey(`01${'00'.repeat(31)}`))).toBe('small_order');
    expect(reasonOf(() => importPublicKey(`01${'00'.repeat(30)}80`))).toBe('non_canonical');
    // A y with no x on the curve (y = 2).
    expect(reasonOf(() => importPublicKey(`02${'00'.repeat(31)}`))).toBe('non_canonical');
    expect(
      reasonOf(() =>
        importKeyPair({ ...exportKeyPair(pair), x: encodeBase64Url(generateKeyPair().publicKey) }),
      ),
    ).toBe('mismatch');
  });

  it('createSigner checks the pair and signs PAE bytes that node:crypto verifies too', async () => {
    const other = generateKeyPair();
    expect(reasonOf(() => createSigner({ ...pair, publicKey: other.publicKey }))).toBe('mismatch');
    expect(reasonOf(() => createSigner({ ...pair, keyId: other.keyId }))).toBe('mismatch');
    const s = await makeSigned();
    const key = createPublicKey({ key: exportPublicKey(s.keyPairs[0]!, 'jwk') as never, format: 'jwk' });
    const payload = decodeBase64(s.envelope.payload)!;
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${s.envelope.payloadType.length} ${s.envelope.payloadType} ${payload.length} `),
      payload,
    ]);
    expect(nodeVerify(null, pae, key, Buffer.from(decodeBase64(s.envelope.signatures[0]!.sig)!))).toBe(true);
  });
});
