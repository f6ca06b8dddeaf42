import { BudgetExceededError, createTokenizer, type FitItem, type FitItemResult, fit } from '@ctxpack/budget';
import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';

const encodings = ['o200k_base', 'cl100k_base'] as const;
const references = { o200k_base: new Tiktoken(o200k), cl100k_base: new Tiktoken(cl100k) } as const;
const independentCount = (encoding: (typeof encodings)[number], text: string): number =>
  references[encoding].encode(text, [], []).length;

const fragment = fc.oneof(
  { weight: 6, arbitrary: fc.lorem({ maxCount: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ' ',
      '\n\n',
      '    ',
      '👨‍👩‍👧‍👦',
      '🇯🇵🇫🇷',
      'é',
      'e\u0301\u0302',
      '中文字符',
      'مرحبا',
      '<|im_start|>',
      '<|endoftext|>',
      '{"k": [1, 2]}',
      '\ufffd',
    ),
  },
);
const text = fc.array(fragment, { maxLength: 30 }).map((parts) => parts.join(' '));

interface Scenario {
  items: FitItem[];
  encoding: (typeof encodings)[number];
  maxTokens: number;
  reserveOutput: number;
}

function scenario(options: { truncatableOnly?: boolean; pinned?: boolean } = {}): fc.Arbitrary<Scenario> {
  const strategies = options.truncatableOnly
    ? (['tail', 'head', 'middle'] as const)
    : (['tail', 'head', 'middle', 'none'] as const);
  const item = fc.record({
    text,
    priority: fc.integer({ min: 0, max: 5 }),
    truncate: fc.constantFrom(...strategies),
    pinned: options.pinned ? fc.boolean() : fc.constant(false),
    group: options.truncatableOnly
      ? fc.constant(undefined)
      : fc.option(fc.constantFrom('g1', 'g2', 'g3'), { nil: undefined }),
    minTokens: options.truncatableOnly
      ? fc.constant(undefined)
      : fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    maxTokens: options.truncatableOnly
      ? fc.constant(undefined)
      : fc.option(fc.integer({ min: 5, max: 80 }), { nil: undefined }),
  });
  return fc.record({
    items: fc.array(item, { minLength: 1, maxLength: 12 }).map((list) =>
      list.map((raw, i): FitItem => {
        const out: FitItem = {
          id: `b${i}`,
          text: raw.text,
          priority: raw.priority,
          truncate: raw.truncate,
          overheadTokens: 9,
        };
        if (raw.pinned && i === 0) out.pinned = true;
        if (raw.group !== undefined) out.group = raw.group;
        if (raw.minTokens !== undefined) out.minTokens = raw.minTokens;
        if (raw.maxTokens !== undefined) out.maxTokens = Math.max(raw.maxTokens, raw.minTokens ?? 0);
        return out;
      }),
    ),
    encoding: fc.constantFrom(...encodings),
    maxTokens: fc.integer({ min: 0, max: 600 }),
    reserveOutput: fc.integer({ min: 0, max: 50 }),
  });
}

/** A chat-like rendering (ChatML framing) of the kept items, the way a serializer would join them. */
function render(kept: readonly FitItemResult[]): string {
  return `${kept.map((k) => `<|im_start|>user\n${k.text}<|im_end|>\n`).join('')}<|im_start|>assistant\n`;
}

function keptIds(items: readonly FitItemResult[]): Set<string> {
  return new Set(items.filter((i) => i.status !== 'dropped').map((i) => i.id));
}

function run(s: Scenario, measured: boolean): ReturnType<typeof fit> | BudgetExceededError {
  const measure = (kept: readonly FitItemResult[]): number => independentCount(s.encoding, render(kept));
  try {
    return fit(s.items, {
      tokenizer: createTokenizer(s.encoding),
      maxTokens: s.maxTokens,
      reserveOutput: Math.min(s.reserveOutput, s.maxTokens),
      baseTokens: 5,
      ...(measured ? { measure } : {}),
    });
  } catch (e) {
    if (BudgetExceededError.isInstance(e)) return e;
    throw e;
  }
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
function boundaries(textValue: string): Set<number> {
  const set = new Set<number>([textValue.length]);
  for (const { index } of segmenter.segment(textValue)) set.add(index);
  return set;
}
const count = (s: string, ch: string): number => s.split(ch).length - 1;

describe('fit properties', () => {
  it('the rendered request, counted independently with js-tiktoken, is within budget', () => {
    fc.assert(
      fc.property(scenario({ pinned: true }), (s) => {
        const result = run(s, true);
        const budget = s.maxTokens - Math.min(s.reserveOutput, s.maxTokens);
        if (result instanceof BudgetExceededError) {
          expect(result.need).toBeGreaterThan(result.budget);
          const pinned = s.items.filter((i) => i.pinned === true).map((i) => i.id);
          for (const id of result.pinnedIds) expect(pinned).toContain(id);
          return;
        }
        const kept = result.items.filter((i) => i.status !== 'dropped');
        expect(independentCount(s.encoding, render(kept))).toBeLessThanOrEqual(budget);
        expect(result.report.used).toBe(independentCount(s.encoding, render(kept)));
        expect(result.report.measureCalls).toBeLessThanOrEqual(10);
      }),
      { numRuns: 150 },
    );
  });

  it('without measure, base + framing + exact item tokens is within budget', () => {
    fc.assert(
      fc.property(scenario({ pinned: true }), (s) => {
        const result = run(s, false);
        if (result instanceof BudgetExceededError) return;
        let sum = 5;
        for (const [i, r] of result.items.entries()) {
          if (r.status === 'dropped') continue;
          expect(r.tokensAfter).toBe(independentCount(s.encoding, r.text));
          sum += 9 + r.tokensAfter;
          if (r.status === 'kept') expect(r.text).toBe(s.items[i]?.text);
        }
        expect(result.report.used).toBe(sum);
        expect(sum).toBeLessThanOrEqual(result.report.budget);
      }),
      { numRuns: 150 },
    );
  });

  it('uses at least 95% of the budget when enough truncatable content exists', () => {
    fc.assert(
      fc.property(
        scenario({ truncatableOnly: true }),
        fc.integer({ min: 200, max: 2000 }),
        (s, maxTokens) => {
          const items = s.items.map((it) => ({
            ...it,
            text: `${it.text} ${'Lorem ipsum dolor sit amet. '.repeat(60)}`,
          }));
          const tokenizer = createTokenizer(s.encoding);
          const total = items.reduce((sum, it) => sum + tokenizer.count(it.text) + 9, 5);
          fc.pre(total >= maxTokens * 1.5);
          const { report } = fit(items, { tokenizer, maxTokens, baseTokens: 5 });
          expect(report.used).toBeLessThanOrEqual(maxTokens);
          expect(report.used).toBeGreaterThanOrEqual(0.95 * maxTokens);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a middle cut gives the end what a many-token grapheme left unused at the start (found by this property)', () => {
    const start =
      '𐀀𐀀Ĉ྅Ĉ⠂ࠂ elit sollicitudin lectus non tincidunt gravida imperdiet orci 🇯🇵🇫🇷 ㆀ𐓎𐀀Ćࠂ𐀀ଅ 👨‍👩‍👧‍👦';
    const items = [
      {
        id: 'b0',
        text: `${start} ${'Lorem ipsum dolor sit amet. '.repeat(60)}`,
        priority: 0,
        truncate: 'middle' as const,
        overheadTokens: 9,
      },
    ];
    const tokenizer = createTokenizer('cl100k_base');
    const { report } = fit(items, { tokenizer, maxTokens: 200, baseTokens: 5 });
    expect(report.used).toBeLessThanOrEqual(200);
    expect(report.used).toBeGreaterThanOrEqual(195);
  });

  it('a pinned group whose cut cannot reach its minimum reports a need above the budget (found by this property)', () => {
    const items: FitItem[] = [
      { id: 'b0', text: '', priority: 0, truncate: 'tail', overheadTokens: 9, pinned: true, group: 'g3' },
      { id: 'b1', text: '𐀀𐀀', priority: 0, truncate: 'tail', overheadTokens: 9, group: 'g3', minTokens: 1 },
      {
        id: 'b2',
        text: 'ullamcorper mauris ligula',
        priority: 0,
        truncate: 'tail',
        overheadTokens: 9,
        group: 'g3',
      },
      { id: 'b3', text: '', priority: 0, truncate: 'tail', overheadTokens: 9 },
    ];
    const result = run({ items, encoding: 'cl100k_base', maxTokens: 93, reserveOutput: 47 }, true);
    expect(result).toBeInstanceOf(BudgetExceededError);
    expect((result as BudgetExceededError).need).toBeGreaterThan((result as BudgetExceededError).budget);
  });

  it('is monotone: more budget never keeps less', () => {
    fc.assert(
      fc.property(scenario(), fc.integer({ min: 0, max: 300 }), (s, extra) => {
        const small = run({ ...s, reserveOutput: 0 }, false);
        const large = run({ ...s, reserveOutput: 0, maxTokens: s.maxTokens + extra }, false);
        if (small instanceof BudgetExceededError || large instanceof BudgetExceededError) return;
        const bigger = keptIds(large.items);
        for (const id of keptIds(small.items)) expect(bigger.has(id)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('never splits a group, keeps input order, and respects priority', () => {
    fc.assert(
      fc.property(scenario(), (s) => {
        const result = run(s, true);
        if (result instanceof BudgetExceededError) return;
        expect(result.items.map((i) => i.id)).toEqual(s.items.map((i) => i.id));
        const byGroup = new Map<string, Set<string>>();
        for (const [i, r] of result.items.entries()) {
          const g = s.items[i]?.group;
          if (g === undefined) continue;
          byGroup.set(g, (byGroup.get(g) ?? new Set()).add(r.status === 'dropped' ? 'dropped' : 'kept'));
        }
        for (const statuses of byGroup.values()) expect(statuses.size).toBe(1);
        // Strict priority: no dropped unit outranks a kept one (pinned units aside).
        const units = new Map<string, { priority: number; pinned: boolean; kept: boolean }>();
        for (const [i, r] of result.items.entries()) {
          const input = s.items[i] as FitItem;
          const key = input.group ?? `#${input.id}`;
          const unit = units.get(key) ?? { priority: -Infinity, pinned: false, kept: r.status !== 'dropped' };
          unit.priority = Math.max(unit.priority, input.priority);
          unit.pinned ||= input.pinned === true;
          units.set(key, unit);
        }
        const free = [...units.values()].filter((u) => !u.pinned);
        const lowestKept = Math.min(...free.filter((u) => u.kept).map((u) => u.priority));
        for (const u of free.filter((x) => !x.kept)) expect(u.priority).toBeLessThanOrEqual(lowestKept);
      }),
      { numRuns: 150 },
    );
  });

  it('cuts only at grapheme boundaries and adds no U+FFFD', () => {
    fc.assert(
      fc.property(scenario({ truncatableOnly: true }), (s) => {
        const result = run(s, false);
        if (result instanceof BudgetExceededError) return;
        for (const [i, r] of result.items.entries()) {
          const original = s.items[i]?.text ?? '';
          if (r.status === 'dropped') continue;
          expect(count(r.text, '\ufffd')).toBeLessThanOrEqual(count(original, '\ufffd'));
          if (original.isWellFormed()) expect(r.text.isWellFormed()).toBe(true);
          const cuts = boundaries(original);
          for (const range of r.removed ?? []) {
            expect(cuts.has(range.start)).toBe(true);
            expect(cuts.has(range.end)).toBe(true);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
