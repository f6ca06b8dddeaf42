import { createTokenizer } from '@ctxpack/budget';
import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import { hostileTexts } from './text-corpus.js';

const references = { o200k_base: new Tiktoken(o200k), cl100k_base: new Tiktoken(cl100k) } as const;
const encodings = ['o200k_base', 'cl100k_base'] as const;

/** Special tokens of every encoding we ship plus chat delimiters of other model families. */
const specialTexts = [
  ...Object.keys(o200k.special_tokens),
  ...Object.keys(cl100k.special_tokens),
  '<|im_start|>',
  '<|im_end|>',
  '<|im_sep|>',
  '<|eot_id|>',
  '<|start_header_id|>',
  '<|end_header_id|>',
  '<|begin_of_text|>',
  '[INST]',
  '[/INST]',
  '<<SYS>>',
  '<start_of_turn>',
  '<end_of_turn>',
  '<|start|>',
  '<|channel|>',
  '<|message|>',
  '<|end|>',
  '<|return|>',
  '\n\nHuman:',
  '\n\nAssistant:',
];

const corpus: string[] = [
  ...hostileTexts,
  ...specialTexts,
  specialTexts.join(''),
  specialTexts.join(' hello '),
  `<|endoftext|>${'<|endofprompt|>'.repeat(3)}`,
];

describe.each(encodings)('%s counts equal js-tiktoken', (encoding) => {
  const ours = createTokenizer(encoding);
  const reference = references[encoding];

  it('on the fixed corpus, special-token strings counted as plain text', () => {
    for (const text of corpus) {
      const expected = reference.encode(text, [], []);
      expect(ours.encode(text), JSON.stringify(text.slice(0, 40))).toEqual(expected);
      expect(ours.count(text)).toBe(expected.length);
      expect(ours.decode(expected)).toBe(reference.decode(expected));
    }
  });

  it('on random strings of any code points, including lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(ours.encode(text)).toEqual(reference.encode(text, [], []));
      }),
      { numRuns: 300 },
    );
  });

  it('on random mixes of words, punctuation, emoji and special tokens', () => {
    const fragment = fc.oneof(
      fc.constantFrom(...specialTexts),
      fc.constantFrom(
        ' ',
        '\n',
        '  ',
        '\t',
        "'s",
        "'LL",
        '...',
        '123',
        '4567',
        'Hello',
        'WORLD',
        'naïve',
        '🇫🇷',
        '👩🏽‍💻',
      ),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        expect(ours.encode(text)).toEqual(reference.encode(text, [], []));
      }),
      { numRuns: 300 },
    );
  });

  it('on long single pieces (the heap merge path) of up to 2,000 chars', () => {
    const alphabet = fc.constantFrom('a', 'b', 'e', 'r', 'x', 'é', '中', '😀');
    fc.assert(
      fc.property(fc.array(alphabet, { minLength: 65, maxLength: 600 }), (chars) => {
        const text = chars.join('');
        expect(ours.encode(text)).toEqual(reference.encode(text, [], []));
      }),
      { numRuns: 40 },
    );
    for (const text of [
      'a'.repeat(2000),
      'ab'.repeat(1000),
      '😀'.repeat(500),
      `${'z'.repeat(1999)}q`,
      'é'.repeat(1000),
      // Runs of lone surrogates are one symbol piece; each encodes as EF BF BD, as TextEncoder does.
      '\ud800'.repeat(300),
      '\udfff\ud800!'.repeat(100),
      `${'€'.repeat(200)}\udc00${'€'.repeat(200)}`,
    ]) {
      expect(ours.encode(text)).toEqual(reference.encode(text, [], []));
    }
  });

  it('finishes a single 100k-character piece and agrees with the scaled pattern', () => {
    const small = ours.encode('a'.repeat(2000));
    expect(small).toEqual(reference.encode('a'.repeat(2000), [], []));
    const big = ours.encode('a'.repeat(100_000));
    // Runs of one letter merge into the same longest token repeatedly: the 100k result is 50 copies of the 2k one.
    expect(big).toEqual(Array.from({ length: 50 }, () => small).flat());
    expect(ours.count('😀'.repeat(50_000))).toBeGreaterThan(0);
  });
});
