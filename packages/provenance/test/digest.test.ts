import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createBlock, InvalidArgumentError } from '@ctxpack/block';
import {
  canonicalizeJson,
  deriveBlock,
  digestContent,
  digestContentAsync,
  digestRequest,
  digestRequestAsync,
  hasNativeSha256,
  NATIVE_HASH_THRESHOLD_BYTES,
  stampBlock,
} from '@ctxpack/provenance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const nodeSha256 = (data: string | Uint8Array): string =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe('digestContent', () => {
  it('matches the SHA-256 test vectors', () => {
    expect(digestContent('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(digestContent('abc')).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
  it('hashes the UTF-8 bytes, for strings and bytes alike', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(digestContent(s)).toBe(nodeSha256(s));
        expect(digestContent(new TextEncoder().encode(s))).toBe(nodeSha256(s));
      }),
    );
  });
  it('is stable across runs (fixed expected value)', () => {
    expect(digestContent('héllo 👋')).toBe(nodeSha256(Buffer.from('héllo 👋', 'utf8')));
  });
  it('rejects non-content with a typed error', () => {
    expect(() => digestContent(42 as unknown as string)).toThrow(InvalidArgumentError);
  });
});

describe('digestContentAsync', () => {
  it('has a native path in Node', () => {
    expect(hasNativeSha256()).toBe(true);
  });
  it('agrees with the sync digest below and above the native threshold, in every mode', async () => {
    const small = 'x'.repeat(100);
    const large = 'é'.repeat(NATIVE_HASH_THRESHOLD_BYTES);
    for (const input of [small, large, new Uint8Array(NATIVE_HASH_THRESHOLD_BYTES + 1).fill(7)]) {
      const expected = digestContent(input);
      expect(await digestContentAsync(input)).toBe(expected);
      expect(await digestContentAsync(input, { hash: 'noble' })).toBe(expected);
      expect(await digestContentAsync(input, { hash: 'native' })).toBe(expected);
    }
  });
});

interface Golden {
  name: string;
  request: unknown;
  canonical: string;
  digest: string;
}

describe('digestRequest: golden vectors', () => {
  const vectors = JSON.parse(
    readFileSync(new URL('./request-digest-vectors.json', import.meta.url), 'utf8'),
  ) as Golden[];
  it('has vectors', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(4);
  });
  for (const v of vectors) {
    it(v.name, () => {
      expect(canonicalizeJson(v.request)).toBe(v.canonical);
      expect(nodeSha256(v.canonical)).toBe(v.digest);
      expect(digestRequest(v.request)).toBe(v.digest);
    });
  }
  it('survives gateway re-serialization: reordered keys, whitespace and escapes', () => {
    const original = digestRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'é\u2028' }] });
    const reserialized = JSON.parse(
      '{ "messages" : [ { "content" : "\\u00e9\\u2028", "role":"user" } ],\n"model":"gpt-4o" }',
    );
    expect(digestRequest(reserialized)).toBe(original);
  });
  it('digestRequestAsync agrees, small and large, native and noble', async () => {
    for (const v of vectors) expect(await digestRequestAsync(v.request)).toBe(v.digest);
    const large = { messages: [{ role: 'user', content: 'x'.repeat(200_000) }] };
    expect(await digestRequestAsync(large, { hash: 'native' })).toBe(digestRequest(large));
    expect(await digestRequestAsync(large, { hash: 'noble' })).toBe(digestRequest(large));
  });

  it('changes when any value changes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        fc.pre(canonicalizeJson(a) !== canonicalizeJson(b));
        expect(digestRequest({ r: a })).not.toBe(digestRequest({ r: b }));
      }),
    );
  });
});

describe('stampBlock and deriveBlock', () => {
  const block = createBlock({ kind: 'tool-result', tenant: 'acme', content: 'sunny', labels: ['pii'] });
  it('stampBlock fills the digest on a copy', () => {
    const stamped = stampBlock(block);
    expect(stamped.digest).toBe(nodeSha256('sunny'));
    expect(block.digest).toBeUndefined();
    expect(stamped).toEqual({ ...block, digest: stamped.digest });
  });
  it('deriveBlock keeps who and where, records lineage and re-digests', () => {
    const parent = stampBlock(block);
    const child = deriveBlock(parent, {
      content: 'sun',
      transform: { kind: 'truncate', params: { maxTokens: 1 }, ranges: [{ start: 3, end: 5 }] },
    });
    expect(child.id).toBe(parent.id); // one identity through every transform
    expect([child.kind, child.trust, child.tenant]).toEqual([parent.kind, parent.trust, parent.tenant]);
    expect(child.source).toEqual(parent.source);
    expect(child.labels).toEqual(['pii']);
    expect(child.parents).toEqual([parent.digest]);
    expect(child.transforms).toEqual([
      { kind: 'truncate', params: { maxTokens: 1 }, ranges: [{ start: 3, end: 5 }] },
    ]);
    expect(child.digest).toBe(nodeSha256('sun'));
    child.labels.push('x');
    expect(parent.labels).toEqual(['pii']);
  });
  it('deriveBlock keeps the full lineage through a chain of transforms (issue 12.10: was the last parent only)', () => {
    const raw = stampBlock(block);
    const clean = deriveBlock(raw, { content: 'sunny!', transform: { kind: 'sanitize' } });
    const cut = deriveBlock(clean, { content: 'sun', transform: { kind: 'truncate' } });
    expect(cut.parents).toEqual([raw.digest, clean.digest]);
    expect(cut.transforms.map((t) => t.kind)).toEqual(['sanitize', 'truncate']);
    const long = { ...raw, parents: Array.from({ length: 64 }, () => raw.digest as string) };
    expect(() => deriveBlock(long, { content: 'x', transform: { kind: 'truncate' } })).toThrow(
      InvalidArgumentError,
    );
  });
  it('deriveBlock digests a parent that has no digest yet', () => {
    expect(deriveBlock(block, { content: '', transform: { kind: 'redact' } }).parents).toEqual([
      nodeSha256('sunny'),
    ]);
  });
});
