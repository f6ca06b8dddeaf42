import { InvalidArgumentError } from '@ctxpack/block';
import {
  BUDGET_LIMITS,
  BudgetLimitError,
  countOpenAIChatTokens,
  createTokenizer,
  openAIChatMessageOverhead,
} from '@ctxpack/budget';
import { describe, expect, it } from 'vitest';

// Argument checks of budget's OpenAI chat framing helpers (their home moves to serialize).
function thrownBy<E>(f: () => unknown, is: (e: unknown) => e is E): E {
  try {
    f();
  } catch (error) {
    expect(is(error), String(error)).toBe(true);
    return error as E;
  }
  throw new Error('expected a typed error');
}
const thrown = (f: () => unknown): InvalidArgumentError => thrownBy(f, InvalidArgumentError.isInstance);
const overLimit = (f: () => unknown): BudgetLimitError => thrownBy(f, BudgetLimitError.isInstance);
function deepArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('OpenAI chat framing arguments', () => {
  const tok = createTokenizer('o200k_base');

  it('countOpenAIChatTokens names the offending message field', () => {
    const m = { role: 'user', content: 'hi' };
    expect(thrown(() => countOpenAIChatTokens('x'.repeat(1000) as never, tok)).path).toBe('messages');
    expect(thrown(() => countOpenAIChatTokens([m, null] as never, tok)).path).toBe('messages[1]');
    expect(thrown(() => countOpenAIChatTokens([{ ...m, role: 1 }] as never, tok)).path).toBe(
      'messages[0].role',
    );
    expect(thrown(() => countOpenAIChatTokens([{ ...m, content: null }] as never, tok)).path).toBe(
      'messages[0].content',
    );
    expect(thrown(() => countOpenAIChatTokens([{ ...m, name: Symbol('n') }] as never, tok)).path).toBe(
      'messages[0].name',
    );
    for (const bad of [null, {}, 'tok', { count: 1 }]) {
      expect(thrown(() => countOpenAIChatTokens([m], bad as never)).path).toBe('tokenizer');
    }
  });

  it('countOpenAIChatTokens refuses more than BUDGET_LIMITS.maxItems messages', () => {
    const messages = Array.from({ length: BUDGET_LIMITS.maxItems + 1 }, () => ({
      role: 'user',
      content: '',
    }));
    const e = overLimit(() => countOpenAIChatTokens(messages, tok));
    expect(e.actual).toBe(messages.length);
    expect(e.message).toContain(`BUDGET_LIMITS.maxItems = ${BUDGET_LIMITS.maxItems}`);
  });

  it('openAIChatMessageOverhead checks role, tokenizer and name', () => {
    expect(thrown(() => openAIChatMessageOverhead(Symbol('r') as never, tok)).path).toBe('role');
    expect(thrown(() => openAIChatMessageOverhead(deepArray(100_000) as never, tok)).path).toBe('role');
    expect(thrown(() => openAIChatMessageOverhead('user', null as never)).path).toBe('tokenizer');
    expect(thrown(() => openAIChatMessageOverhead('user', tok, 5 as never)).path).toBe('name');
    expect(openAIChatMessageOverhead('user', tok, 'bob')).toBe(3 + 1 + 1 + 1);
  });
});
