import {
  BUDGET_LIMITS,
  countOpenAIChatTokens,
  createEstimator,
  createTokenizer,
  InvalidBudgetInputError,
  openAIChatMessageOverhead,
} from '@ctxpack/budget';
import { describe, expect, it } from 'vitest';

function thrown(f: () => unknown): InvalidBudgetInputError {
  try {
    f();
  } catch (error) {
    expect(InvalidBudgetInputError.isInstance(error), String(error)).toBe(true);
    return error as InvalidBudgetInputError;
  }
  throw new Error('expected an InvalidBudgetInputError');
}

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
      expect(e.code).toBe('invalid_budget_input');
      expect(e.path).toEqual(['text']);
      expect(e.value).toBe(value);
    }
  });

  it('refuses a text over BUDGET_LIMITS.maxTextChars, naming the limit and the length', () => {
    const text = 'a'.repeat(BUDGET_LIMITS.maxTextChars + 1);
    for (const f of [() => tok.count(text), () => tok.encode(text), () => createEstimator().count(text)]) {
      const e = thrown(f);
      expect(e.path).toEqual(['text']);
      expect(e.value).toBe(text);
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
      expect(thrown(() => tok.decode(value as never)).path).toEqual(['ids']);
    }
  });
});

describe('createTokenizer and createEstimator arguments', () => {
  it('describe a hostile encoding without stringifying it', () => {
    for (const value of [10n, cyclic(), deepArray(100_000), Symbol('e'), 'x'.repeat(1_000_000)]) {
      const e = thrown(() => createTokenizer(value as 'o200k_base'));
      expect(e.path).toEqual(['encoding']);
      expect(e.message.length).toBeLessThan(300);
    }
  });

  it('refuse a non-object options and a bad base or name', () => {
    for (const value of [null, 'o200k_base', 1, []]) {
      expect(thrown(() => createEstimator(value as never)).path).toEqual(['options']);
    }
    expect(thrown(() => createEstimator({ base: 10n as never })).path).toEqual(['base']);
    expect(thrown(() => createEstimator({ name: 5 as never })).path).toEqual(['name']);
  });
});

describe('OpenAI chat framing arguments', () => {
  const tok = createTokenizer('o200k_base');

  it('countOpenAIChatTokens names the offending message field', () => {
    const m = { role: 'user', content: 'hi' };
    expect(thrown(() => countOpenAIChatTokens('x'.repeat(1000) as never, tok)).path).toEqual(['messages']);
    expect(thrown(() => countOpenAIChatTokens([m, null] as never, tok)).path).toEqual(['messages', 1]);
    expect(thrown(() => countOpenAIChatTokens([{ ...m, role: 1 }] as never, tok)).path).toEqual([
      'messages',
      0,
      'role',
    ]);
    expect(thrown(() => countOpenAIChatTokens([{ ...m, content: null }] as never, tok)).path).toEqual([
      'messages',
      0,
      'content',
    ]);
    expect(thrown(() => countOpenAIChatTokens([{ ...m, name: Symbol('n') }] as never, tok)).path).toEqual([
      'messages',
      0,
      'name',
    ]);
    for (const bad of [null, {}, 'tok', { count: 1 }]) {
      expect(thrown(() => countOpenAIChatTokens([m], bad as never)).path).toEqual(['tokenizer']);
    }
  });

  it('countOpenAIChatTokens refuses more than BUDGET_LIMITS.maxItems messages', () => {
    const messages = Array.from({ length: BUDGET_LIMITS.maxItems + 1 }, () => ({
      role: 'user',
      content: '',
    }));
    const e = thrown(() => countOpenAIChatTokens(messages, tok));
    expect(e.value).toBe(messages.length);
    expect(e.message).toContain(`BUDGET_LIMITS.maxItems = ${BUDGET_LIMITS.maxItems}`);
  });

  it('openAIChatMessageOverhead checks role, tokenizer and name', () => {
    expect(thrown(() => openAIChatMessageOverhead(Symbol('r') as never, tok)).path).toEqual(['role']);
    expect(thrown(() => openAIChatMessageOverhead(deepArray(100_000) as never, tok)).path).toEqual(['role']);
    expect(thrown(() => openAIChatMessageOverhead('user', null as never)).path).toEqual(['tokenizer']);
    expect(thrown(() => openAIChatMessageOverhead('user', tok, 5 as never)).path).toEqual(['name']);
    expect(openAIChatMessageOverhead('user', tok, 'bob')).toBe(3 + 1 + 1 + 1);
  });
});
