import { Buffer } from 'node:buffer';
import { InvalidArgumentError } from '@ctxpack/block';
import { createTokenizer, DEFAULT_TRUNCATION_MARKER, type FitItem, fit } from '@ctxpack/budget';
import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';

const tokenizer = createTokenizer('o200k_base');
// Independent count: js-tiktoken, not our tokenizer.
const reference = new Tiktoken(o200k);
const countRef = (s: string): number => reference.encode(s, [], []).length;

const base64 = (t: string): string => Buffer.from(t, 'utf8').toString('base64');
const datamark = (t: string): string => t.replace(/[ \t]/g, '\u02c6');
const renders = { base64, datamark } as const;

const prose = 'The quick brown fox jumps over the lazy dog near the riverbank. '.repeat(300);

function doc(text: string, extra: Partial<FitItem> = {}): FitItem {
  return { id: 'doc', text, priority: 1, truncate: 'tail', ...extra };
}

describe('fit with render', () => {
  for (const [name, render] of Object.entries(renders)) {
    for (const truncate of ['tail', 'head', 'middle'] as const) {
      it(`${name}/${truncate}: truncates (not drops) an item whose rendered form is over budget`, () => {
        const rendered = countRef(render(prose));
        const budget = Math.floor(rendered / 3);
        const { items, report } = fit(
          [
            doc(prose, { truncate, render, overheadTokens: 7 }),
            { id: 'sys', text: 'Be terse.', priority: 9, truncate: 'none' },
          ],
          { tokenizer, maxTokens: budget, baseTokens: 5 },
        );
        const [d, sys] = items;
        expect(sys?.status).toBe('kept');
        expect(d?.status).toBe('truncated');
        const text = d?.text as string;
        // The returned text is the raw cut (marker included); its rendered form is what was counted.
        expect(text).toContain(DEFAULT_TRUNCATION_MARKER);
        expect(d?.tokensAfter).toBe(countRef(render(text)));
        // Counted only until it exceeded the budget: a lower bound of the rendered count.
        expect(d?.tokensBefore).toBeGreaterThan(budget);
        expect(d?.tokensBefore).toBeLessThanOrEqual(rendered);
        expect(5 + 7 + countRef(render(text)) + countRef('Be terse.')).toBeLessThanOrEqual(budget);
        expect(report.used).toBeLessThanOrEqual(budget);
        // It fills the budget: it is not cut far below what fits (within a sentence's tokens).
        expect(report.used).toBeGreaterThan(budget - 40);
        // The removed span is of the raw text, and the rest is the raw text verbatim.
        const [range] = d?.removed ?? [];
        expect(range).toBeDefined();
        const { start, end } = range as { start: number; end: number };
        expect(text).toBe(prose.slice(0, start) + DEFAULT_TRUNCATION_MARKER + prose.slice(end));
        // Bounded work: a binary search over ~19k code units, not a scan.
        expect(report.tokenizerCalls).toBeLessThan(40);
      });
    }
  }

  it('counts the rendered form: a raw text that fits is cut when its base64 does not', () => {
    const raw = countRef(prose);
    const budget = raw + 10;
    expect(countRef(base64(prose))).toBeGreaterThan(budget);
    expect(fit([doc(prose)], { tokenizer, maxTokens: budget }).items[0]?.status).toBe('kept');
    const rendered = fit([doc(prose, { render: base64 })], { tokenizer, maxTokens: budget }).items[0];
    expect(rendered?.status).toBe('truncated');
    expect(countRef(base64(rendered?.text as string))).toBeLessThanOrEqual(budget);
  });

  it('keeps a rendered item whole when its rendered form fits, and reports rendered counts', () => {
    const text = 'short and sweet';
    const { items } = fit([doc(text, { render: base64 })], { tokenizer, maxTokens: 1000 });
    expect(items[0]).toMatchObject({ status: 'kept', text, tokensBefore: countRef(base64(text)) });
    expect(items[0]?.tokensAfter).toBe(countRef(base64(text)));
  });

  it('cuts on grapheme boundaries of the raw text', () => {
    const family = '👨‍👩‍👧‍👦';
    const text = `${family} é\u0301 🇫🇷 `.repeat(400);
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const boundaries = new Set([...segmenter.segment(text)].map((s) => s.index).concat(text.length));
    for (const truncate of ['tail', 'head', 'middle'] as const) {
      for (const render of [base64, datamark]) {
        const budget = Math.floor(countRef(render(text)) / 2);
        const d = fit([doc(text, { truncate, render })], { tokenizer, maxTokens: budget }).items[0];
        expect(d?.status).toBe('truncated');
        for (const r of d?.removed ?? []) {
          expect(boundaries.has(r.start)).toBe(true);
          expect(boundaries.has(r.end)).toBe(true);
        }
        expect(countRef(render(d?.text as string))).toBeLessThanOrEqual(budget);
      }
    }
  });

  it('drops a rendered item when no cut keeps minTokens within the budget', () => {
    const markerCost = countRef(base64(DEFAULT_TRUNCATION_MARKER));
    const { items } = fit([doc(prose, { render: base64, minTokens: 50 })], {
      tokenizer,
      maxTokens: markerCost + 20,
    });
    expect(items[0]?.status).toBe('dropped');
    const kept = fit([doc(prose, { render: base64, minTokens: 10 })], {
      tokenizer,
      maxTokens: markerCost + 20,
    }).items[0];
    expect(kept?.status).toBe('truncated');
    expect((kept?.tokensAfter as number) - markerCost).toBeGreaterThanOrEqual(10);
    expect(countRef(base64(kept?.text as string))).toBeLessThanOrEqual(markerCost + 20);
  });

  it('caps a rendered item at maxTokens in rendered tokens', () => {
    const d = fit([doc(prose, { render: datamark, maxTokens: 200 })], { tokenizer, maxTokens: 100_000 })
      .items[0];
    expect(d?.status).toBe('truncated');
    expect(countRef(datamark(d?.text as string))).toBeLessThanOrEqual(200);
    expect(d?.tokensAfter).toBeGreaterThan(150);
  });

  it('keeps groups together and priorities monotone with rendered members', () => {
    const items: FitItem[] = [
      { id: 'call', text: 'get_doc()', priority: 5, truncate: 'none', group: 'g' },
      doc(prose, { id: 'result', priority: 5, group: 'g', render: base64 }),
      { id: 'low', text: 'low priority note', priority: 1, truncate: 'none' },
    ];
    const budget = Math.floor(countRef(base64(prose)) / 2);
    const result = fit(items, { tokenizer, maxTokens: budget });
    expect(result.items.map((i) => i.status)).toEqual(['kept', 'truncated', 'dropped']);
    expect(countRef('get_doc()') + countRef(base64(result.items[1]?.text as string))).toBeLessThanOrEqual(
      budget,
    );
  });

  it('the measure fix-up cuts a rendered item further, still within budget', () => {
    const budget = 600;
    // A request framing that costs 30 more than the per-item sums: fit must trim.
    const measure = (kept: readonly { text: string; id: string }[]): number =>
      30 + kept.reduce((s, k) => s + countRef(k.id === 'doc' ? base64(k.text) : k.text), 0);
    const { items, report } = fit([doc(prose, { render: base64 })], {
      tokenizer,
      maxTokens: budget,
      measure,
    });
    expect(items[0]?.status).toBe('truncated');
    expect(report.used).toBeLessThanOrEqual(budget);
    expect(30 + countRef(base64(items[0]?.text as string))).toBeLessThanOrEqual(budget);
  });

  it('caches rendered counts apart from raw counts under the same key', () => {
    const text = `${prose}cache probe ${Math.random()}`;
    const raw = fit([doc(text, { cacheKey: 'k-render-test' })], { tokenizer, maxTokens: 100_000 });
    const rendered = fit([doc(text, { cacheKey: 'k-render-test', render: base64 })], {
      tokenizer,
      maxTokens: 100_000,
    });
    expect(raw.items[0]?.tokensBefore).toBe(countRef(text));
    expect(rendered.items[0]?.tokensBefore).toBe(countRef(base64(text)));
    expect(rendered.report.cacheHits).toBe(0);
    const again = fit([doc(text, { cacheKey: 'k-render-test', render: base64 })], {
      tokenizer,
      maxTokens: 100_000,
    });
    expect(again.report.cacheHits).toBe(1);
    expect(again.items[0]?.tokensBefore).toBe(countRef(base64(text)));
  });

  it('refuses a render that is not a function or does not return a string', () => {
    expect(() => fit([doc('x', { render: 'base64' as never })], { tokenizer, maxTokens: 10 })).toThrow(
      InvalidArgumentError,
    );
    try {
      fit([doc('x', { render: (() => 42) as never })], { tokenizer, maxTokens: 10 });
      expect.unreachable();
    } catch (error) {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as InvalidArgumentError).path).toBe('items[0].render');
    }
  });

  it('property: never over budget, counted independently; truncated whenever a cut fits', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 0, maxLength: 300 }),
        fc.constantFrom('tail', 'head', 'middle'),
        fc.constantFrom('base64', 'datamark'),
        fc.integer({ min: 0, max: 400 }),
        (text, truncate, renderName, maxTokens) => {
          const render = renders[renderName as keyof typeof renders];
          const { items } = fit([doc(text, { truncate: truncate as 'tail', render, minTokens: 0 })], {
            tokenizer,
            maxTokens,
            onOverflow: 'report',
          });
          const d = items[0];
          if (d?.status === 'dropped') {
            // Only when not even the bare marker fits.
            expect(countRef(render(DEFAULT_TRUNCATION_MARKER))).toBeGreaterThan(maxTokens);
            return;
          }
          expect(countRef(render(d?.text as string))).toBeLessThanOrEqual(maxTokens);
          expect(d?.tokensAfter).toBe(countRef(render(d?.text as string)));
          if (d?.status === 'kept') expect(d.text).toBe(text);
        },
      ),
      { numRuns: 150 },
    );
  });
});
