import { decodeBase64, encodeBase64 } from '@ctxpack/block/kernel';
import { canonicalizeJson, digestRequest } from '@ctxpack/provenance';
import type { VerifyEnvelopeOptions } from '@ctxpack/sign';
import {
  createLeafProof,
  redactLeaf,
  VerificationError,
  verifyEnvelope,
  verifyLeafProof,
} from '@ctxpack/sign';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeSigned, NOW, request, type Signed } from './helpers.js';

/** Replaces the byte at `pos` (mod length) by a different printable ASCII byte. */
function mutate(text: string, pos: number, code: number): string | undefined {
  const at = pos % text.length;
  if (text.charCodeAt(at) === code) return undefined;
  return text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1);
}

async function rejected(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return false;
  } catch (e) {
    if (!VerificationError.isInstance(e)) throw e;
    return true;
  }
}

const byteChange = fc.tuple(fc.nat(), fc.integer({ min: 0x20, max: 0x7e }));

describe('any single-byte change is rejected', () => {
  let s: Signed;
  let opts: VerifyEnvelopeOptions;
  beforeAll(async () => {
    s = await makeSigned({ blocks: 5 });
    opts = {
      keys: [s.keyPairs[0]!.publicKey],
      tenant: 'acme',
      audience: 'gateway',
      replay: false as const,
      now: NOW,
    };
  });
  const input = () => ({
    envelope: s.envelope,
    requestDigest: s.requestDigest,
    leaves: s.leaves,
    contents: s.contents,
  });

  it('the untouched payload verifies (control)', async () => {
    expect(await rejected(() => verifyEnvelope(input(), opts))).toBe(false);
  });

  it('in the envelope JSON', async () => {
    const text = JSON.stringify(s.envelope);
    await fc.assert(
      fc.asyncProperty(byteChange, async ([pos, code]) => {
        const changed = mutate(text, pos, code);
        fc.pre(changed !== undefined);
        let envelope: unknown;
        try {
          envelope = JSON.parse(changed as string);
        } catch {
          return; // unparseable JSON never reaches the verifier
        }
        expect(await rejected(() => verifyEnvelope({ ...input(), envelope }, opts))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('in the manifest bytes (re-encoded with the original signature)', async () => {
    const payload = decodeBase64(s.envelope.payload)!;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (pos, xor) => {
        const bytes = Uint8Array.from(payload);
        bytes[pos % bytes.length]! ^= xor;
        const envelope = { ...s.envelope, payload: encodeBase64(bytes) };
        expect(await rejected(() => verifyEnvelope({ ...input(), envelope }, opts))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('in a leaf header', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(4), byteChange, async (index, [pos, code]) => {
        const changed = mutate(canonicalizeJson(s.leaves[index]), pos, code);
        fc.pre(changed !== undefined);
        let leaf: unknown;
        try {
          leaf = JSON.parse(changed as string);
        } catch {
          return;
        }
        const leaves: unknown[] = [...s.leaves];
        leaves[index] = leaf;
        expect(await rejected(() => verifyEnvelope({ ...input(), leaves }, opts))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('in an inclusion proof', () => {
    const proof = createLeafProof(s.leaves, 3);
    verifyLeafProof(s.manifest, { leaf: s.leaves[3] }, proof);
    const text = JSON.stringify(proof);
    fc.assert(
      fc.property(byteChange, ([pos, code]) => {
        const changed = mutate(text, pos, code);
        fc.pre(changed !== undefined);
        let bad: unknown;
        try {
          bad = JSON.parse(changed as string);
        } catch {
          return;
        }
        expect(() => verifyLeafProof(s.manifest, { leaf: s.leaves[3] }, bad as typeof proof)).toThrow(
          VerificationError,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('in the rendered request', async () => {
    const text = JSON.stringify(request);
    await fc.assert(
      fc.asyncProperty(byteChange, async ([pos, code]) => {
        const changed = mutate(text, pos, code);
        fc.pre(changed !== undefined);
        let received: unknown;
        try {
          received = JSON.parse(changed as string);
        } catch {
          return;
        }
        fc.pre(canonicalizeJson(received) !== canonicalizeJson(request));
        const rejectedNow = await rejected(() =>
          verifyEnvelope({ ...input(), requestDigest: digestRequest(received) }, opts),
        );
        expect(rejectedNow).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('in a block content', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(4), byteChange, async (index, [pos, code]) => {
        const changed = mutate(s.contents[index]!, pos, code);
        fc.pre(changed !== undefined);
        const contents = [...s.contents];
        contents[index] = changed as string;
        expect(await rejected(() => verifyEnvelope({ ...input(), contents }, opts))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('redaction', () => {
  it('verification passes with any subset of leaves redacted, and a single leaf proves alone', async () => {
    const s = await makeSigned({ blocks: 7 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }), async (mask) => {
        const leaves = s.leaves.map((leaf, i) => (mask[i] ? redactLeaf(leaf) : leaf));
        const contents = s.contents.map((c, i) => (mask[i] ? undefined : c));
        const result = await verifyEnvelope(
          { envelope: s.envelope, requestDigest: s.requestDigest, leaves, contents },
          {
            keys: [s.keyPairs[0]!.publicKey],
            tenant: 'acme',
            audience: 'gateway',
            replay: false as const,
            now: NOW,
          },
        );
        expect(result.redacted).toEqual(mask.flatMap((m, i) => (m ? [i] : [])));
      }),
      { numRuns: 30 },
    );
    for (let i = 0; i < 7; i++) {
      const proof = createLeafProof(s.leaves, i);
      verifyLeafProof(s.manifest, { leafHash: redactLeaf(s.leaves[i]!).leafHash }, proof);
      expect(() => verifyLeafProof(s.manifest, { leaf: s.leaves[(i + 1) % 7] }, proof)).toThrow(
        VerificationError,
      );
    }
  });
});
