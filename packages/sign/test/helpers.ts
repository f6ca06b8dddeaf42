import { type ContextBlock, createBlock } from '@ctxpack/block';
import { digestRequest } from '@ctxpack/provenance';
import type { Envelope, KeyPair, Leaf, Manifest, Signer } from '@ctxpack/sign';
import { createLeaf, createSigner, generateKeyPair, signManifest, VerificationError } from '@ctxpack/sign';

export const NOW: Date = new Date('2026-03-01T12:00:00.000Z');

export const request: { model: string; messages: { role: string; content: string }[] } = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is the weather?' },
    { role: 'user', content: '<data>sunny</data>' },
  ],
};

export function makeBlocks(n: number, tenant = 'acme'): ContextBlock[] {
  return Array.from({ length: n }, (_, i) =>
    createBlock({
      kind: i % 3 === 0 ? 'system' : i % 3 === 1 ? 'user' : 'tool-result',
      tenant,
      content: `block ${i} content`,
      source: i % 3 === 2 ? { type: 'mcp', server: 'weather', tool: 'forecast' } : { type: 'app' },
      createdAt: '2026-03-01T11:59:00.000Z',
    }),
  );
}

export interface Signed {
  envelope: Envelope;
  manifest: Manifest;
  leaves: Leaf[];
  contents: string[];
  keyPairs: KeyPair[];
  signers: Signer[];
  requestDigest: string;
}

export async function makeSigned(
  options: { blocks?: number; keys?: number; signWith?: number; ttlSeconds?: number } = {},
): Promise<Signed> {
  const keyPairs = Array.from({ length: options.keys ?? 1 }, () => generateKeyPair());
  const signers = keyPairs.slice(0, options.signWith ?? keyPairs.length).map(createSigner);
  const blocks = makeBlocks(options.blocks ?? 3);
  const leaves = blocks.map((b) => createLeaf(b));
  const requestDigest = digestRequest(request);
  const { envelope, manifest } = await signManifest(
    { tenant: 'acme', audience: 'gateway', leaves, requestDigest, ttlSeconds: 300, now: NOW },
    signers,
  );
  return {
    envelope,
    manifest,
    leaves,
    contents: blocks.map((b) => b.content),
    keyPairs,
    signers,
    requestDigest,
  };
}

/** The VerificationError code a verification rejects with, or `accepted`. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (e) {
    if (!VerificationError.isInstance(e)) throw e;
    return e.code;
  }
}
