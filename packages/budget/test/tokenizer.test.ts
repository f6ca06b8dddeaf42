import { InvalidArgumentError } from '@ctxpack/block';
import { createTokenizer } from '@ctxpack/budget';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';

const references = { o200k_base: new Tiktoken(o200k), cl100k_base: new Tiktoken(cl100k) } as const;
const encodings = ['o200k_base', 'cl100k_base'] as const;

describe('createTokenizer', () => {
  it('returns one shared instance per encoding', () => {
    expect(createTokenizer('o200k_base')).toBe(createTokenizer('o200k_base'));
    expect(createTokenizer('cl100k_base')).not.toBe(createTokenizer('o200k_base'));
    expect(createTokenizer('cl100k_base').encoding).toBe('cl100k_base');
  });

  it('rejects an unknown encoding with a typed error', () => {
    expect(() => createTokenizer('p50k_base' as 'o200k_base')).toThrow(InvalidArgumentError);
  });

  it.each(encodings)('%s: encode/count/decode agree with js-tiktoken on basic text', (encoding) => {
    const tok = createTokenizer(encoding);
    for (const text of [
      'hello world',
      '',
      ' ',
      "I'm    here\n\n",
      'a'.repeat(2000),
      '😀👨‍👩‍👧 café 日本語',
    ]) {
      const expected = references[encoding].encode(text, [], []);
      expect(tok.encode(text)).toEqual(expected);
      expect(tok.count(text)).toBe(expected.length);
      expect(tok.decode(expected)).toBe(references[encoding].decode(expected));
    }
  });

  it('rejects token ids outside the vocabulary', () => {
    const tok = createTokenizer('o200k_base');
    expect(() => tok.decode([1, 2, 10_000_000])).toThrow(/ids\[2\]/);
    expect(() => tok.decode([1.5])).toThrow(InvalidArgumentError);
  });
});
