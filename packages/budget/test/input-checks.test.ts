import { InvalidArgumentError } from '@ctxpack/block';
import { BUDGET_LIMITS, BudgetLimitError, createEstimator, createTokenizer, fit } from '@ctxpack/budget';
import { describe, expect, it } from 'vitest';

function thrownBy<E>(f: () => unknown, is: (e: unknown) => e is E, name: string): E {
  try {
    f();
  } catch (error) {
    expect(is(error), String(error)).toBe(true);
    return error as E;
  }
  throw new Error(`expected a ${name}`);
}
/** A wrong argument: `InvalidArgumentError`, code `invalid_argument`. */
const thrown = (f: () => unknown): InvalidArgumentError => {
  const e = thrownBy(f, InvalidArgumentError.isInstance, 'InvalidArgumentError');
  expect(e.code).toBe('invalid_argument');
  return e;
};
/** A well-typed argument over a limit: `BudgetLimitError`, code `budget_limit_exceeded`. */
const overLimit = (f: () => unknown): BudgetLimitError => {
  const e = thrownBy(f, BudgetLimitError.isInstance, 'BudgetLimitError');
  expect(e.code).toBe('budget_limit_exceeded');
  return e;
};

function deepArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
const cyclic = (): unknown => {
  const o: Record<string, unknown> = {};
  o['self'] = o;
  return o;
};
const notText: unknown[] = [undefined, null, 42, 10n, Symbol('s'), () => 'x', {}, ['a'], deepArray(100_000)];

describe('tokenizer arguments', () => {
  const tok = createTokenizer('o200k_base');

  it.each(['count', 'encode'] as const)('%s refuses a non-string with the path `text`', (method) => {
    for (const value of notText) {
      const e = thrown(() => tok[method](value as string));
      expect(e.path).toBe('text');
      expect(e.expected).toBe('a string');
    }
  });

  it('refuses a text over BUDGET_LIMITS.maxTextChars, naming the limit and the length', () => {
    const text = 'a'.repeat(BUDGET_LIMITS.maxTextChars + 1);
    for (const f of [() => tok.count(text), () => tok.encode(text), () => createEstimator().count(text)]) {
      const e = overLimit(f);
      expect(e.path).toBe('text');
      expect([e.limit, e.max, e.actual]).toEqual(['maxTextChars', BUDGET_LIMITS.maxTextChars, text.length]);
      expect(e.message).toContain(`BUDGET_LIMITS.maxTextChars = ${BUDGET_LIMITS.maxTextChars}`);
      expect(e.message).toContain(String(text.length));
    }
  });

  it('counts a text at the limit that is one long run of a letter (one pre-tokenizer piece)', () => {
    const n = BUDGET_LIMITS.maxTextChars;
    // A run of one letter merges into the same tokens period after period; 8 Ki divides 16 Mi.
    expect(tok.count('a'.repeat(n))).toBe((n / 8192) * tok.count('a'.repeat(8192)));
  });

  it('counts a 16 Mi-char run of a CJK letter (which overflows the regex stack of V8)', () => {
    const n = BUDGET_LIMITS.maxTextChars;
    expect(tok.count('中'.repeat(n))).toBe(n);
    expect(tok.count('中'.repeat(8192))).toBe(8192);
  });

  it('decode refuses a non-array with the path `ids`', () => {
    for (const value of [undefined, null, 'ids', 1, new Uint8Array([1])]) {
      expect(thrown(() => tok.decode(value as never)).path).toBe('ids');
    }
  });
});

describe('createTokenizer and createEstimator arguments', () => {
  it('describe a hostile encoding without stringifying it', () => {
    for (const value of [10n, cyclic(), deepArray(100_000), Symbol('e'), 'x'.repeat(1_000_000)]) {
      const e = thrown(() => createTokenizer(value as 'o200k_base'));
      expect(e.path).toBe('encoding');
      expect(e.message.length).toBeLessThan(300);
    }
  });

  it('refuse a non-object options and a bad base or name', () => {
    for (const value of [null, 'o200k_base', 1, []]) {
      expect(thrown(() => createEstimator(value as never)).path).toBe('options');
    }
    expect(thrown(() => createEstimator({ base: 10n as never })).path).toBe('base');
    expect(thrown(() => createEstimator({ name: 5 as never })).path).toBe('name');
  });
});

describe('fit arguments: a wrong argument vs a well-typed one over a limit', () => {
  const tokenizer = createTokenizer('o200k_base');
  const item = { id: 'a', text: 'x', priority: 0, truncate: 'tail' as const };
  const run =
    (items: unknown, options: Record<string, unknown> = {}) =>
    () =>
      fit(items as never, { tokenizer, maxTokens: 100, ...options } as never);

  it('wrong types, shapes and relations are invalid_argument with the path and what was expected', () => {
    const cases: [() => unknown, string, string][] = [
      [run([item], { tokenizer: {} }), 'options.tokenizer', 'a tokenizer with a count(text) method'],
      [run([item], { maxTokens: -1 }), 'options.maxTokens', 'a non-negative integer'],
      [run([item], { maxTokens: 1.5 }), 'options.maxTokens', 'a non-negative integer'],
      [run([item], { reserveOutput: 101 }), 'options.reserveOutput', 'an integer from 0 to maxTokens (100)'],
      [run([item], { marker: 5 }), 'options.marker', 'a string'],
      [run([item], { onOverflow: 'drop' }), 'options.onOverflow', 'one of error, report, truncate-pinned'],
      [run('items'), 'items', 'an array'],
      [run([null]), 'items[0]', 'an item object'],
      [run([item, { ...item }]), 'items[1].id', 'an id no earlier item has (duplicate id)'],
      [run([{ ...item, id: '' }]), 'items[0].id', 'a non-empty string'],
      [run([{ ...item, text: 7 }]), 'items[0].text', 'a string'],
      [
        run([{ ...item, minTokens: 5, maxTokens: 4 }]),
        'items[0].maxTokens',
        'an integer of at least minTokens (5)',
      ],
    ];
    for (const [f, path, expected] of cases) {
      const e = thrown(f);
      expect([e.path, e.expected]).toEqual([path, expected]);
    }
  });

  it('sizes over BUDGET_LIMITS are budget_limit_exceeded naming the limit, its value and the size', () => {
    const cases: [() => unknown, string, keyof typeof BUDGET_LIMITS, number][] = [
      [
        run([item], { maxTokens: BUDGET_LIMITS.maxTokens + 1 }),
        'options.maxTokens',
        'maxTokens',
        BUDGET_LIMITS.maxTokens + 1,
      ],
      [
        run([item], { baseTokens: BUDGET_LIMITS.maxTokens + 2 }),
        'options.baseTokens',
        'maxTokens',
        BUDGET_LIMITS.maxTokens + 2,
      ],
      [
        run([item], { marker: 'm'.repeat(BUDGET_LIMITS.maxMarkerChars + 1) }),
        'options.marker',
        'maxMarkerChars',
        BUDGET_LIMITS.maxMarkerChars + 1,
      ],
      [
        run([{ ...item, id: 'i'.repeat(BUDGET_LIMITS.maxIdChars + 1) }]),
        'items[0].id',
        'maxIdChars',
        BUDGET_LIMITS.maxIdChars + 1,
      ],
      [
        run([{ ...item, minTokens: BUDGET_LIMITS.maxTokens + 1 }]),
        'items[0].minTokens',
        'maxTokens',
        BUDGET_LIMITS.maxTokens + 1,
      ],
    ];
    for (const [f, path, limit, actual] of cases) {
      const e = overLimit(f);
      expect([e.path, e.limit, e.max, e.actual]).toEqual([path, limit, BUDGET_LIMITS[limit], actual]);
      expect(e.message).toContain(`BUDGET_LIMITS.${limit} = ${BUDGET_LIMITS[limit]}`);
    }
  });

  it('decode: an id outside the vocabulary is a wrong argument at its index', () => {
    for (const id of [1.5, -1, 10_000_000, Number.NaN]) {
      const e = thrown(() => tokenizer.decode([24912, id]));
      expect([e.path, e.expected]).toEqual(['ids[1]', 'a token id of o200k_base']);
    }
  });
});
