import { CtxpackError, createBlock, InvalidBlockError, parseBlock } from '@ctxpack/block';
import { describe, expect, it } from 'vitest';

describe('parseBlock', () => {
  it('fills defaults and derives trust from the kind', () => {
    const b = parseBlock({ kind: 'tool-result', tenant: 'acme', content: 'sunny' });
    expect(b.trust).toBe('untrusted');
    expect(b.source).toEqual({ type: 'unknown' });
    expect(b.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(b).toMatchObject({
      labels: [],
      parents: [],
      transforms: [],
      priority: 0,
      pinned: false,
      truncate: 'tail',
    });
    expect(parseBlock({ kind: 'system', tenant: 't', content: '' }).trust).toBe('trusted');
    expect(parseBlock({ kind: 'user', tenant: 't', content: '' }).trust).toBe('user');
  });

  it('keeps an explicit trust', () => {
    expect(createBlock({ kind: 'document', trust: 'trusted', tenant: 't', content: 'x' }).trust).toBe(
      'trusted',
    );
  });

  it('lists every problem with its path', () => {
    let error: unknown;
    try {
      parseBlock({
        kind: 'nope',
        tenant: '',
        content: 42,
        labels: ['ok', ''],
        source: { type: 'mcp', tool: 7 },
        createdAt: '2024-01-01T00:00:00+02:00',
        digest: 'md5:abc',
        minTokens: 10,
        maxTokens: 5,
        extra: true,
      });
    } catch (e) {
      error = e;
    }
    expect(InvalidBlockError.isInstance(error)).toBe(true);
    expect(CtxpackError.isInstance(error)).toBe(true);
    const e = error as InvalidBlockError;
    expect(e.code).toBe('invalid_block');
    const paths = e.issues.map((i) => i.path.join('.'));
    for (const p of ['kind', 'tenant', 'content', 'labels.1', 'source.tool', 'createdAt', 'digest', '']) {
      expect(paths).toContain(p);
    }
    expect(e.message).toContain('labels[1]');
    expect(e.message).toContain('source.tool');
  });

  it('rejects min > max tokens with a path', () => {
    try {
      parseBlock({ kind: 'document', tenant: 't', content: 'x', minTokens: 10, maxTokens: 5 });
      expect.unreachable();
    } catch (e) {
      expect((e as InvalidBlockError).issues).toEqual([
        { path: ['minTokens'], message: 'minTokens must not exceed maxTokens' },
      ]);
    }
  });

  it('meets hostile input with a typed error', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const hostile: unknown[] = [
      undefined,
      null,
      42,
      'block',
      [],
      Object.create(null),
      { kind: 'user', tenant: 't', content: 'x', meta: cyclic },
      { kind: 'user', tenant: 't', content: 'x', priority: Number.NaN },
      { kind: 'user', tenant: 't', content: 'x', priority: Number.POSITIVE_INFINITY },
      JSON.parse('{"kind":"user","tenant":"t","content":"x","__proto__":{"pinned":true}}'),
      { kind: 'user', tenant: 't', content: 'x'.repeat(16 * 1024 * 1024 + 1) },
    ];
    for (const input of hostile) {
      expect(() => parseBlock(input)).toThrow(InvalidBlockError);
    }
  });

  it('isInstance is false for foreign errors', () => {
    expect(InvalidBlockError.isInstance(new Error('x'))).toBe(false);
    expect(InvalidBlockError.isInstance(new CtxpackError({ code: 'x', message: 'x' }))).toBe(false);
    expect(CtxpackError.isInstance(null)).toBe(false);
  });
});
