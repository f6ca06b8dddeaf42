import { createBlock } from '@ctxpack/block';
import { deriveBlock, digestRequest } from '@ctxpack/provenance';
import {
  attachProducerSignature,
  createKeyring,
  createLeaf,
  createSigner,
  generateKeyPair,
  redactLeaf,
  signBlock,
  signManifest,
  verifyEnvelope,
  verifyProducerSignature,
} from '@ctxpack/sign';
import { describe, expect, it } from 'vitest';
import { codeOf } from './helpers.js';

describe('producer signatures carried through lineage', () => {
  const plugin = generateKeyPair();
  const assembler = generateKeyPair();

  async function setup() {
    const raw = createBlock({
      kind: 'tool-result',
      tenant: 'acme',
      content: 'sunny\u200B, 21 °C',
      source: { type: 'mcp', server: 'weather', tool: 'forecast' },
    });
    const signedAtSource = attachProducerSignature(raw, await signBlock(raw, createSigner(plugin)));
    // The assembler sanitizes the block; the producer signature travels in meta.
    const clean = deriveBlock(signedAtSource, {
      content: 'sunny, 21 °C',
      transform: { kind: 'sanitize', ranges: [{ start: 5, end: 6 }] },
    });
    const other = createBlock({ kind: 'system', tenant: 'acme', content: 'Be brief.' });
    const leaves = [createLeaf(other), createLeaf(clean)];
    const requestDigest = digestRequest({ any: 'request' });
    const { envelope } = await signManifest(
      { tenant: 'acme', audience: 'gw', leaves, requestDigest, ttlSeconds: 60 },
      createSigner(assembler),
    );
    return { leaves, envelope, requestDigest, clean };
  }

  it('the verifier checks both the assembler and the original producer', async () => {
    const { leaves, envelope, requestDigest } = await setup();
    expect(leaves[1]!.producer?.keyid).toBe(plugin.keyId);
    expect(verifyProducerSignature(leaves[1]!, { keys: [plugin.publicKey] })).toEqual({
      keyId: plugin.keyId,
    });
    const opts = {
      keys: [assembler.publicKey],
      tenant: 'acme',
      audience: 'gw',
      replay: false as const,
      producerKeys: [plugin.publicKey],
    };
    expect(await codeOf(verifyEnvelope({ envelope, requestDigest, leaves }, opts))).toBe('accepted');
    // Requiring producers: the system block has none.
    expect(
      await codeOf(verifyEnvelope({ envelope, requestDigest, leaves }, { ...opts, requireProducer: true })),
    ).toBe('signature_invalid');
    // ... unless it is redacted.
    const redacted = [redactLeaf(leaves[0]!), leaves[1]!];
    expect(
      await codeOf(
        verifyEnvelope({ envelope, requestDigest, leaves: redacted }, { ...opts, requireProducer: true }),
      ),
    ).toBe('accepted');
    expect(
      await codeOf(
        verifyEnvelope(
          { envelope, requestDigest, leaves },
          { ...opts, producerKeys: [generateKeyPair().publicKey] },
        ),
      ),
    ).toBe('key_unknown');
    const revoked = createKeyring([{ key: plugin.publicKey, status: 'revoked' }]);
    expect(
      await codeOf(verifyEnvelope({ envelope, requestDigest, leaves }, { ...opts, producerKeys: revoked })),
    ).toBe('key_revoked');
  });

  it('a producer signature moved to another block or source does not verify', async () => {
    const { leaves } = await setup();
    const leaf = leaves[1]!;
    expect(() =>
      verifyProducerSignature(
        { ...leaf, source: { type: 'mcp', server: 'evil' } },
        { keys: [plugin.publicKey] },
      ),
    ).toThrow(/does not verify/);
    expect(() => verifyProducerSignature({ ...leaf, parents: [] }, { keys: [plugin.publicKey] })).toThrow(
      /neither this block/,
    );
    expect(() =>
      verifyProducerSignature({ ...leaf, tenant: 'globex' }, { keys: [plugin.publicKey] }),
    ).toThrow(/does not verify/);
  });
});
