import { createBlock } from '@ctxpack/block';
import { digestContent, stampBlock } from '@ctxpack/provenance';
import { createLeaf, createLeafAsync } from '@ctxpack/sign';
import { describe, expect, it } from 'vitest';

const block = stampBlock(createBlock({ kind: 'document', tenant: 'acme', content: 'the page' }));
const stale = { ...block, content: 'the page, edited' };

describe('createLeaf(Async) trustDigest', () => {
  it('by default the content is hashed again and a stale digest is refused', async () => {
    expect(() => createLeaf(stale)).toThrow(
      expect.objectContaining({ code: 'invalid_argument', path: 'block.digest' }),
    );
    await expect(createLeafAsync(stale)).rejects.toMatchObject({ path: 'block.digest' });
  });

  it('with trustDigest the block digest is taken as is (not hashed again)', async () => {
    expect(createLeaf(stale, { trustDigest: true }).contentDigest).toBe(block.digest);
    expect((await createLeafAsync(stale, { trustDigest: true })).contentDigest).toBe(block.digest);
    expect((await createLeafAsync(block, { trustDigest: true })).contentDigest).toBe(
      digestContent('the page'),
    );
  });

  it('a block without a digest is hashed even with trustDigest; a non-boolean is invalid_argument', async () => {
    const bare = createBlock({ kind: 'document', tenant: 'acme', content: 'x' });
    expect(createLeaf(bare, { trustDigest: true }).contentDigest).toBe(digestContent('x'));
    expect(() => createLeaf(bare, { trustDigest: 'yes' as never })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', path: 'options.trustDigest' }),
    );
  });
});

describe('leaf salts', () => {
  it('are 16 random bytes, never repeated across many leaves (cut from a pool refilled by the CSPRNG)', () => {
    const salts = new Set<string>();
    for (let i = 0; i < 1_000; i++) salts.add(createLeaf(block).salt);
    expect(salts.size).toBe(1_000);
    for (const s of salts) expect(Buffer.from(s, 'base64url')).toHaveLength(16);
  });
});
