import { InvalidArgumentError } from '@ctxpack/block';
import {
  BudgetExceededError,
  createTokenizer,
  DEFAULT_TRUNCATION_MARKER,
  type FitItem,
  fit,
} from '@ctxpack/budget';
import { describe, expect, it } from 'vitest';

const tokenizer = createTokenizer('o200k_base');
const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(200);

function item(id: string, text: string, priority: number, extra: Partial<FitItem> = {}): FitItem {
  return { id, text, priority, truncate: 'none', ...extra };
}

describe('fit', () => {
  it('keeps everything, in input order, when it fits', () => {
    const { items, report } = fit([item('a', 'alpha', 1), item('b', 'beta', 2)], {
      tokenizer,
      maxTokens: 100,
    });
    expect(items.map((i) => [i.id, i.status])).toEqual([
      ['a', 'kept'],
      ['b', 'kept'],
    ]);
    expect(report.used).toBe(tokenizer.count('alpha') + tokenizer.count('beta'));
    expect(report.totals).toMatchObject({ kept: 2, truncated: 0, dropped: 0 });
  });

  it('drops the lowest-priority blocks until the request fits', () => {
    const texts = ['one two three', 'four five six', 'seven eight nine'];
    const each = texts.map((t) => tokenizer.count(t));
    const { items, report } = fit(
      texts.map((t, i) => item(`b${i}`, t, [5, 1, 9][i] as number, { overheadTokens: 3 })),
      { tokenizer, maxTokens: 3 + (each[0] as number) + 3 + (each[2] as number) + 4, baseTokens: 3 },
    );
    expect(items.map((i) => i.status)).toEqual(['kept', 'dropped', 'kept']);
    expect(items[1]?.reason).toMatch(/does not fit/);
    expect(report.used).toBeLessThanOrEqual(report.budget);
  });

  it('cuts tail / head / middle at the right end, with the marker, within the allowance', () => {
    for (const truncate of ['tail', 'head', 'middle'] as const) {
      const { items, report } = fit([item('doc', prose, 1, { truncate })], { tokenizer, maxTokens: 100 });
      const [doc] = items;
      expect(doc?.status).toBe('truncated');
      expect(doc?.text).toContain(DEFAULT_TRUNCATION_MARKER);
      expect(tokenizer.count(doc?.text ?? '')).toBe(doc?.tokensAfter);
      expect(doc?.tokensAfter).toBeLessThanOrEqual(100);
      expect(doc?.tokensAfter).toBeGreaterThanOrEqual(95);
      expect(report.used).toBe(doc?.tokensAfter);
      const [removed] = doc?.removed ?? [];
      if (truncate === 'tail') expect(doc?.text.startsWith('The quick')).toBe(true);
      if (truncate === 'head') expect(removed?.start).toBe(0);
      if (truncate === 'middle') {
        expect(removed?.start).toBeGreaterThan(0);
        expect(removed?.end).toBeLessThan(prose.length);
      }
    }
  });

  it('respects maxTokens caps and minTokens floors', () => {
    const capped = fit([item('d', prose, 1, { truncate: 'tail', maxTokens: 50 })], {
      tokenizer,
      maxTokens: 1000,
    });
    expect(capped.items[0]).toMatchObject({ status: 'truncated', reason: 'truncated to its maxTokens' });
    expect(capped.items[0]?.tokensAfter).toBeLessThanOrEqual(50);
    const floor = fit([item('d', prose, 1, { truncate: 'tail', minTokens: 500 })], {
      tokenizer,
      maxTokens: 200,
    });
    expect(floor.items[0]?.status).toBe('dropped');
  });

  it('keeps or drops a group together', () => {
    const call = item('call', 'get_weather({"city":"Paris"})', 3, { group: 'g1' });
    const result = item('result', prose, 3, { group: 'g1' });
    const { items } = fit([call, result, item('u', 'hi', 1)], { tokenizer, maxTokens: 100 });
    expect(items.map((i) => i.status)).toEqual(['dropped', 'dropped', 'dropped']);
    const truncatable = fit([call, { ...result, truncate: 'head' }], { tokenizer, maxTokens: 100 });
    expect(truncatable.items.map((i) => i.status)).toEqual(['kept', 'truncated']);
  });

  it('throws BudgetExceededError naming the pinned items, or reports, or cuts them', () => {
    const items = [item('sys', prose, 9, { pinned: true, truncate: 'tail' }), item('u', 'hello', 1)];
    let error: unknown;
    try {
      fit(items, { tokenizer, maxTokens: 100 });
    } catch (e) {
      error = e;
    }
    expect(BudgetExceededError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'budget_exceeded', pinnedIds: ['sys'], budget: 100 });
    expect((error as BudgetExceededError).need).toBe(tokenizer.count(prose));
    expect((error as Error).message).toContain('"sys"');

    const reported = fit(items, { tokenizer, maxTokens: 100, onOverflow: 'report' });
    expect(reported.items.map((i) => i.status)).toEqual(['kept', 'dropped']);
    expect(reported.report.shortfall).toBe(tokenizer.count(prose) - 100);

    const cut = fit(items, { tokenizer, maxTokens: 100, onOverflow: 'truncate-pinned' });
    expect(cut.items[0]?.status).toBe('truncated');
    expect(cut.report.used).toBeLessThanOrEqual(100);
  });

  it('counts lazily: a 1 MB item cut to 2,000 tokens is flagged as counted partially', () => {
    const huge = 'lorem ipsum dolor sit amet '.repeat(40_000);
    const { items, report } = fit([item('big', huge, 1, { truncate: 'tail' })], {
      tokenizer,
      maxTokens: 2000,
    });
    expect(items[0]).toMatchObject({ status: 'truncated', countedPartially: true });
    expect(items[0]?.tokensBefore).toBe(2001);
    expect(report.used).toBeLessThanOrEqual(2000);
  });

  it('never tokenizes blocks dropped below the point where the budget ran out, unless countDropped', () => {
    const items = [
      item('high', prose, 9),
      item('mid', prose, 5),
      item('low', 'a short low-priority note', 1),
    ];
    const lazy = fit(items, { tokenizer, maxTokens: tokenizer.count(prose) + 10 });
    expect(lazy.items.map((i) => i.status)).toEqual(['kept', 'dropped', 'dropped']);
    expect(lazy.items[2]).toMatchObject({ tokensBefore: 0, countedPartially: true });
    expect(lazy.items[1]?.countedPartially).toBeUndefined();
    const full = fit(items, { tokenizer, maxTokens: tokenizer.count(prose) + 10, countDropped: true });
    expect(full.items[2]).toMatchObject({ tokensBefore: tokenizer.count('a short low-priority note') });
    expect(full.items[2]?.countedPartially).toBeUndefined();
    expect(full.report.tokenizerCalls).toBe(lazy.report.tokenizerCalls + 1);
  });

  it('caches counts across calls by cacheKey', () => {
    const items = Array.from({ length: 20 }, (_, i) =>
      item(`k${i}`, `${prose}${i}`, i, { cacheKey: `digest-${i}` }),
    );
    fit(items, { tokenizer, maxTokens: 100_000 });
    const again = fit(items, { tokenizer, maxTokens: 100_000 });
    expect(again.report.cacheHits).toBe(20);
    // A changed text under a reused key is not trusted (length guard).
    const changed = fit([{ ...items[0], text: 'short' } as FitItem], { tokenizer, maxTokens: 100_000 });
    expect(changed.report.cacheHits).toBe(0);
    expect(changed.items[0]?.tokensBefore).toBe(1);
  });

  it('calls measure once and fixes up when the rendered request is larger than the parts', () => {
    let calls = 0;
    const padding = 40;
    const measure = (kept: readonly { text: string }[]): number => {
      calls++;
      return kept.reduce((s, k) => s + tokenizer.count(k.text), 0) + padding;
    };
    const { report } = fit([item('d', prose, 1, { truncate: 'tail' })], {
      tokenizer,
      maxTokens: 300,
      measure,
    });
    expect(report.used).toBeLessThanOrEqual(300);
    expect(report.measured).toBe(true);
    expect(report.measureCalls).toBe(calls);
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThanOrEqual(10);
  });

  it('rejects bad input with a typed error and its path', () => {
    const cases: [unknown[], Record<string, unknown>, RegExp][] = [
      [[item('a', 'x', 1)], { maxTokens: -1 }, /options\.maxTokens/],
      [[item('a', 'x', 1)], { maxTokens: 10, reserveOutput: 11 }, /options\.reserveOutput/],
      [[item('a', 'x', 1), item('a', 'y', 1)], { maxTokens: 10 }, /items\[1\]\.id/],
      [[{ ...item('a', 'x', 1), priority: Number.NaN }], { maxTokens: 10 }, /items\[0\]\.priority/],
      [[{ ...item('a', 'x', 1), truncate: 'sideways' }], { maxTokens: 10 }, /items\[0\]\.truncate/],
      [[{ ...item('a', 'x', 1), minTokens: 1.5 }], { maxTokens: 10 }, /items\[0\]\.minTokens/],
      [[item('a', 'x', 1)], { maxTokens: 10, onOverflow: 'ignore' }, /options\.onOverflow/],
    ];
    for (const [items, options, path] of cases) {
      const call = (): unknown => fit(items as FitItem[], { tokenizer, ...options } as never);
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(path);
    }
  });
});
