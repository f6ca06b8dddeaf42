import { readdirSync, readFileSync } from 'node:fs';
import { decodeBase64, decodeHex } from '@ctxpack/block/kernel';
import { createNodeCrypto } from '@ctxpack/gateway/node';
import { InvalidKeyError, importPublicKey } from '@ctxpack/sign';
import {
  createInclusionProof,
  encodePae,
  hashLeaf,
  merkleRoot,
  verifyEd25519,
  verifyEd25519Async,
  verifyInclusionProof,
} from '@ctxpack/sign/primitives';
import { describe, expect, it, vi } from 'vitest';

// Counts @noble/ed25519 verifications, to tell a native decision from a noble re-check.
const noble = vi.hoisted(() => ({ calls: 0 }));
vi.mock('@noble/ed25519', async (importOriginal) => {
  const ed = await importOriginal<typeof import('@noble/ed25519')>();
  return {
    ...ed,
    verify: (...args: Parameters<typeof ed.verify>) => {
      noble.calls++;
      return ed.verify(...args);
    },
  };
});

const vectors = new URL('../../../../shared/vectors/', import.meta.url);
const readJson = <T>(rel: string): T => JSON.parse(readFileSync(new URL(rel, vectors), 'utf8')) as T;
const hex = (s: string): Uint8Array => {
  const b = decodeHex(s);
  if (b === undefined) throw new Error(`bad hex ${s}`);
  return b;
};
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Expected {
  ruleSet: string;
  accepted: Record<'rfc8032' | 'wycheproof' | 'cctv' | 'zip215', number[]>;
  counts: Record<'rfc8032' | 'wycheproof' | 'cctv' | 'zip215', number>;
}
const expected = JSON.parse(
  readFileSync(new URL('./ed25519-expected.json', import.meta.url), 'utf8'),
) as Expected;
const acceptedSet = (suite: keyof Expected['accepted']): Set<number> => new Set(expected.accepted[suite]);

function importRejects(key: Uint8Array): string | undefined {
  try {
    importPublicKey(key);
    return undefined;
  } catch (e) {
    expect(InvalidKeyError.isInstance(e)).toBe(true);
    return (e as InvalidKeyError).reason;
  }
}

describe('Ed25519 vectors under the pinned rule set', () => {
  it('RFC 8032 §7.1: every vector verifies and its key imports', () => {
    const rfc = readJson<{ pub: string; msg: string; sig: string }[]>('ed25519/rfc8032.json');
    expect(rfc).toHaveLength(expected.counts.rfc8032);
    rfc.forEach((v, i) => {
      expect(verifyEd25519(hex(v.sig), hex(v.msg), hex(v.pub))).toBe(true);
      expect(acceptedSet('rfc8032').has(i)).toBe(true);
      expect(importPublicKey(v.pub).publicKey).toEqual(hex(v.pub));
    });
  });

  it('Wycheproof: outcome equals the checked-in expectation and Wycheproof’s own result', () => {
    const wp = readJson<{
      testGroups: {
        publicKey: { pk: string };
        tests: { tcId: number; msg: string; sig: string; result: string }[];
      }[];
    }>('ed25519/wycheproof_ed25519_test.json');
    const accepted = acceptedSet('wycheproof');
    let n = 0;
    for (const group of wp.testGroups) {
      for (const t of group.tests) {
        const sig = decodeHex(t.sig);
        const ok = sig !== undefined && verifyEd25519(sig, hex(t.msg), hex(group.publicKey.pk));
        expect(ok, `tcId ${t.tcId}`).toBe(accepted.has(t.tcId));
        expect(ok, `tcId ${t.tcId}`).toBe(t.result === 'valid');
        n++;
      }
    }
    expect(n).toBe(expected.counts.wycheproof);
  });

  it('C2SP/CCTV: outcome equals the expectation; every small-order or non-canonical key is rejected at verify and at import', () => {
    const cctv = readJson<
      { number: number; key: string; sig: string; msg: string; flags: string[] | null }[]
    >('ed25519/cctv_ed25519vectors.json');
    expect(cctv).toHaveLength(expected.counts.cctv);
    const accepted = acceptedSet('cctv');
    for (const v of cctv) {
      const ok = verifyEd25519(hex(v.sig), utf8(v.msg), hex(v.key));
      expect(ok, `cctv ${v.number}`).toBe(accepted.has(v.number));
      const flags = v.flags ?? [];
      if (flags.includes('low_order_A')) {
        expect(ok).toBe(false);
        // A non-canonical encoding of a torsion point is refused before its order is looked at.
        expect(importRejects(hex(v.key))).toBe(
          flags.includes('non_canonical_A') ? 'non_canonical' : 'small_order',
        );
      }
      if (flags.includes('non_canonical_A')) {
        expect(ok).toBe(false);
        expect(importRejects(hex(v.key))).toMatch(/^(non_canonical|small_order)$/);
      }
      if (flags.includes('non_canonical_R') || flags.includes('reencoded_k')) expect(ok).toBe(false);
    }
  });

  it('ZIP215: every vector (all over torsion points) is rejected, as the strict rule set requires', () => {
    const zip =
      readJson<{ vk_bytes: string; sig_bytes: string; valid_zip215: boolean }[]>('ed25519/zip215.json');
    expect(zip).toHaveLength(expected.counts.zip215);
    const accepted = acceptedSet('zip215');
    zip.forEach((v, i) => {
      const ok = verifyEd25519(hex(v.sig_bytes), utf8('Zcash'), hex(v.vk_bytes));
      expect(ok).toBe(accepted.has(i));
      expect(ok).toBe(false);
      expect(importRejects(hex(v.vk_bytes))).toBeDefined();
    });
  });

  it('the small-order forgery from docs/notes.md (A = identity, R = identity, S = 0) is rejected at import and at verify', () => {
    const identity = hex(`01${'00'.repeat(31)}`);
    const forged = hex(`01${'00'.repeat(63)}`);
    for (const message of [utf8(''), utf8('transfer $1M'), new Uint8Array(1000)]) {
      expect(verifyEd25519(forged, message, identity)).toBe(false);
    }
    expect(importRejects(identity)).toBe('small_order');
    expect(importRejects(hex('00'.repeat(32)))).toBe('small_order');
  });
});

type Suite = keyof Expected['accepted'];
interface Case {
  id: number;
  sig: Uint8Array | undefined;
  msg: Uint8Array;
  pub: Uint8Array;
  flags: string[];
}

function casesOf(suite: Suite): Case[] {
  switch (suite) {
    case 'rfc8032':
      return readJson<{ pub: string; msg: string; sig: string }[]>('ed25519/rfc8032.json').map((v, i) => ({
        id: i,
        sig: hex(v.sig),
        msg: hex(v.msg),
        pub: hex(v.pub),
        flags: [],
      }));
    case 'wycheproof':
      return readJson<{
        testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string }[] }[];
      }>('ed25519/wycheproof_ed25519_test.json').testGroups.flatMap((g) =>
        g.tests.map((t) => ({
          id: t.tcId,
          sig: decodeHex(t.sig),
          msg: hex(t.msg),
          pub: hex(g.publicKey.pk),
          flags: [],
        })),
      );
    case 'cctv':
      return readJson<{ number: number; key: string; sig: string; msg: string; flags: string[] | null }[]>(
        'ed25519/cctv_ed25519vectors.json',
      ).map((v) => ({
        id: v.number,
        sig: hex(v.sig),
        msg: utf8(v.msg),
        pub: hex(v.key),
        flags: v.flags ?? [],
      }));
    case 'zip215':
      return readJson<{ vk_bytes: string; sig_bytes: string }[]>('ed25519/zip215.json').map((v, i) => ({
        id: i,
        sig: hex(v.sig_bytes),
        msg: utf8('Zcash'),
        pub: hex(v.vk_bytes),
        // Every ZIP215 vector is built from torsion points (A and R of small order).
        flags: ['low_order_A'],
      }));
  }
}

const SUITES: Suite[] = ['rfc8032', 'wycheproof', 'cctv', 'zip215'];

describe('Ed25519 vectors on both verification paths (noble and WebCrypto), same pinned outcomes', () => {
  it.each(SUITES)(
    '%s: every vector gives its pinned outcome on the noble and on the native path',
    async (suite) => {
      const cases = casesOf(suite);
      expect(cases).toHaveLength(expected.counts[suite]);
      const accepted = acceptedSet(suite);
      let acceptedNatively = 0;
      let recheckedByNoble = 0;
      for (const c of cases) {
        const pinned = accepted.has(c.id);
        const sig = c.sig ?? new Uint8Array(0); // an undecodable Wycheproof signature: refused on every path
        expect(verifyEd25519(sig, c.msg, c.pub), `${suite} ${c.id} sync`).toBe(pinned);
        expect(
          await verifyEd25519Async(sig, c.msg, c.pub, { ed25519: 'noble' }),
          `${suite} ${c.id} noble`,
        ).toBe(pinned);
        noble.calls = 0;
        expect(
          await verifyEd25519Async(sig, c.msg, c.pub, { ed25519: 'native' }),
          `${suite} ${c.id} native`,
        ).toBe(pinned);
        if (pinned && noble.calls === 0) acceptedNatively++;
        if (pinned && noble.calls > 0) recheckedByNoble++;
        expect(await verifyEd25519Async(sig, c.msg, c.pub), `${suite} ${c.id} auto`).toBe(pinned);
      }
      // The native path is really native: every honest signature is accepted by WebCrypto alone; only
      // mixed-order signatures (CCTV low_order_residue) need the noble re-check to keep their pinned acceptance.
      if (suite === 'rfc8032' || suite === 'wycheproof') {
        expect(acceptedNatively).toBe(accepted.size);
        expect(recheckedByNoble).toBe(0);
      }
      if (suite === 'cctv') expect(recheckedByNoble).toBeGreaterThan(0);
    },
  );

  it.each(SUITES)(
    "%s: the same pinned outcomes through node:crypto (createNodeCrypto, the gateway server's backend)",
    async (suite) => {
      const native = createNodeCrypto();
      const accepted = acceptedSet(suite);
      let acceptedNatively = 0;
      let recheckedByNoble = 0;
      let plainFlips = 0;
      for (const c of casesOf(suite)) {
        const pinned = accepted.has(c.id);
        const sig = c.sig ?? new Uint8Array(0);
        noble.calls = 0;
        expect(await verifyEd25519Async(sig, c.msg, c.pub, { native }), `${suite} ${c.id} node`).toBe(pinned);
        expect(
          await verifyEd25519Async(sig, c.msg, c.pub, { ed25519: 'native', native }),
          `${suite} ${c.id} node, native`,
        ).toBe(pinned);
        if (pinned && noble.calls === 0) acceptedNatively++;
        if (pinned && noble.calls > 0) recheckedByNoble++;
        // A plain node:crypto call, without the pinned checks around it, is what they correct.
        if (
          c.sig?.length === 64 &&
          c.pub.length === 32 &&
          native.verifyEd25519(c.sig, c.msg, c.pub) !== pinned
        ) {
          plainFlips++;
          expect(
            c.flags.some((f) => f === 'low_order_A' || f === 'low_order_residue'),
            `${suite} ${c.id}`,
          ).toBe(true);
        }
      }
      if (suite === 'rfc8032' || suite === 'wycheproof') {
        expect(acceptedNatively).toBe(accepted.size);
        expect(recheckedByNoble).toBe(0);
      }
      if (suite === 'cctv') {
        expect(recheckedByNoble).toBeGreaterThan(0);
        expect(plainFlips).toBeGreaterThan(0);
      }
    },
  );

  it('a host backend that fails the probe vectors is refused before any verification', async () => {
    const honest = createNodeCrypto();
    const yes = { sha256: honest.sha256, verifyEd25519: () => true };
    const badHash = { sha256: () => new Uint8Array(32), verifyEd25519: honest.verifyEd25519 };
    for (const native of [yes, badHash, { sha256: honest.sha256 }, 'node']) {
      await expect(
        verifyEd25519Async(new Uint8Array(64), new Uint8Array(0), new Uint8Array(32), {
          native: native as never,
        }),
      ).rejects.toMatchObject({ code: 'invalid_argument', path: 'options.native' });
    }
  });

  /*
   * Why the pre-checks and the re-check exist. A plain swap to WebCrypto (Node 20.20, OpenSSL 3) flips:
   *   RFC 8032 0 and Wycheproof 0 of their vectors;
   *   C2SP/CCTV 248 of 914: 122 refused -> accepted (small-order A, 36 of them also a non-canonical A;
   *     OpenSSL does not refuse small-order keys) and 126 accepted -> refused (mixed-order A or R with a
   *     low-order residue: OpenSSL checks the cofactorless equation, the pinned set the cofactored one);
   *   ZIP215 12 of 196: refused -> accepted (small-order A).
   * The test below recomputes the plain swap and checks every flip falls in one of these two classes.
   */
  it('a plain swap to WebCrypto would flip only small-order-A acceptances and low-order-residue refusals', async () => {
    const plain = async (c: Case): Promise<boolean> => {
      if (c.sig === undefined || c.sig.length !== 64) return false;
      try {
        const key = await crypto.subtle.importKey('raw', Uint8Array.from(c.pub), { name: 'Ed25519' }, false, [
          'verify',
        ]);
        return await crypto.subtle.verify(
          { name: 'Ed25519' },
          key,
          Uint8Array.from(c.sig),
          Uint8Array.from(c.msg),
        );
      } catch {
        return false;
      }
    };
    const flips: Record<Suite, { acceptedSmallOrderA: number; refusedResidue: number }> = {
      rfc8032: { acceptedSmallOrderA: 0, refusedResidue: 0 },
      wycheproof: { acceptedSmallOrderA: 0, refusedResidue: 0 },
      cctv: { acceptedSmallOrderA: 0, refusedResidue: 0 },
      zip215: { acceptedSmallOrderA: 0, refusedResidue: 0 },
    };
    for (const suite of SUITES) {
      const accepted = acceptedSet(suite);
      for (const c of casesOf(suite)) {
        const native = await plain(c);
        if (native === accepted.has(c.id)) continue;
        if (native) {
          expect(c.flags, `${suite} ${c.id}`).toContain('low_order_A');
          flips[suite].acceptedSmallOrderA++;
        } else {
          expect(c.flags, `${suite} ${c.id}`).toContain('low_order_residue');
          flips[suite].refusedResidue++;
        }
      }
    }
    expect(flips.rfc8032).toEqual({ acceptedSmallOrderA: 0, refusedResidue: 0 });
    expect(flips.wycheproof).toEqual({ acceptedSmallOrderA: 0, refusedResidue: 0 });
    expect(flips.cctv.acceptedSmallOrderA + flips.cctv.refusedResidue).toBeGreaterThan(0);
  });
});

describe('RFC 6962 Merkle vectors (transparency-dev/merkle)', () => {
  const roots = readJson<{ leavesHex: string[]; rootsBySizeHex: string[] }>('merkle/roots.json');
  const leafHashes = roots.leavesHex.map((l) => hashLeaf(hex(l)));

  it('roots of trees of 0..8 leaves', () => {
    roots.rootsBySizeHex.forEach((root, n) => {
      expect(merkleRoot(leafHashes.slice(0, n))).toEqual(hex(root));
    });
  });

  it('createInclusionProof yields proofs that verify, for every leaf of every size', () => {
    for (let n = 1; n <= leafHashes.length; n++) {
      const root = merkleRoot(leafHashes.slice(0, n));
      for (let i = 0; i < n; i++) {
        const proof = createInclusionProof(leafHashes.slice(0, n), i);
        expect(
          verifyInclusionProof({ leafIndex: i, treeSize: n, leafHash: leafHashes[i]!, proof, root }),
        ).toBe(true);
        expect(
          verifyInclusionProof({
            leafIndex: i,
            treeSize: n,
            leafHash: leafHashes[(i + 1) % 8]!,
            proof,
            root,
          }),
        ).toBe(n === 1 && false);
      }
    }
  });

  const dir = new URL('merkle/inclusion/', vectors);
  const files: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(new URL(rel, dir), { withFileTypes: true })) {
      if (entry.isDirectory()) walk(`${rel}${entry.name}/`);
      else if (entry.name.endsWith('.json')) files.push(`${rel}${entry.name}`);
    }
  };
  walk('');
  it('finds every inclusion case', () => {
    expect(files.length).toBeGreaterThan(80);
  });
  for (const file of files) {
    it(`inclusion ${file}`, () => {
      const c = readJson<{
        leafIdx: number;
        treeSize: number;
        root: string;
        leafHash: string;
        proof: string[] | null;
        wantErr: boolean;
      }>(`merkle/inclusion/${file}`);
      const b64 = (s: string): Uint8Array => {
        const bytes = decodeBase64(s);
        if (bytes === undefined) throw new Error(`bad base64 in ${file}`);
        return bytes;
      };
      const ok = verifyInclusionProof({
        leafIndex: c.leafIdx,
        treeSize: c.treeSize,
        leafHash: b64(c.leafHash),
        proof: (c.proof ?? []).map(b64),
        root: b64(c.root),
      });
      expect(ok).toBe(!c.wantErr);
    });
  }
});

describe('DSSE PAE vector', () => {
  it('matches secure-systems-lab/dsse protocol.md', () => {
    const { cases } = readJson<{ cases: { payloadType: string; payloadUtf8: string; paeUtf8: string }[] }>(
      'dsse/pae.json',
    );
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      expect(new TextDecoder().decode(encodePae(c.payloadType, utf8(c.payloadUtf8)))).toBe(c.paeUtf8);
    }
  });
  it('counts bytes, not UTF-16 units (sigstore-js #1657)', () => {
    expect(new TextDecoder().decode(encodePae('t/é', utf8('😀')))).toBe('DSSEv1 4 t/é 4 😀');
  });
});
