import { InvalidArgumentError } from '@ctxpack/block';
import { createEstimator, createTokenizer, DEFAULT_ESTIMATOR_MARGIN, fit } from '@ctxpack/budget';
import { describe, expect, it } from 'vitest';

const o200k = createTokenizer('o200k_base');
const prose = 'Context windows are finite; budgets must be exact. '.repeat(300);

describe('createEstimator', () => {
  it('scales the base count up by the documented margin', () => {
    const estimator = createEstimator();
    const exact = o200k.count(prose);
    expect(estimator.count(prose)).toBe(Math.ceil(exact * (1 + DEFAULT_ESTIMATOR_MARGIN)));
    expect(estimator.count('')).toBe(0);
    expect(createEstimator({ margin: 0.5, fixed: 2 }).count('hello')).toBe(Math.ceil(1 * 1.5) + 2);
    expect(estimator.encoding).toBe('estimate:o200k_base+25%');
    expect(estimator.decode(estimator.encode('hello'))).toBe('hello');
  });

  it('rejects a bad margin', () => {
    expect(() => createEstimator({ margin: -1 })).toThrow(InvalidArgumentError);
    expect(() => createEstimator({ margin: Number.NaN })).toThrow(/margin/);
  });

  it('fits with estimated counts, the estimate of every kept text within budget', () => {
    const estimator = createEstimator({ margin: 0.3 });
    for (const truncate of ['tail', 'head', 'middle'] as const) {
      const { items, report } = fit([{ id: 'd', text: prose, priority: 1, truncate }], {
        tokenizer: estimator,
        maxTokens: 500,
      });
      expect(items[0]?.status).toBe('truncated');
      expect(estimator.count(items[0]?.text ?? '')).toBe(items[0]?.tokensAfter);
      expect(report.used).toBeLessThanOrEqual(500);
      expect(report.used).toBeGreaterThan(450);
    }
  });
});

// OpenAI chat framing has one home: REQUEST_FRAMING in @ctxpack/serialize (tested there).

describe('a foreign tokenizer (count only)', () => {
  it('is cut by binary search and stays within budget', () => {
    const words = {
      encoding: 'words',
      count: (t: string) => t.split(/\s+/).filter(Boolean).length,
      encode: () => [],
      decode: () => '',
    };
    const { items, report } = fit([{ id: 'd', text: prose, priority: 1, truncate: 'tail' }], {
      tokenizer: words,
      maxTokens: 100,
    });
    expect(items[0]?.status).toBe('truncated');
    expect(words.count(items[0]?.text ?? '')).toBeLessThanOrEqual(100);
    expect(report.used).toBeGreaterThanOrEqual(95);
  });
});
