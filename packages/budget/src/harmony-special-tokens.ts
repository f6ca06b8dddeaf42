/**
 * The special tokens of `o200k_harmony` (gpt-oss), as tiktoken's
 * `o200k_harmony` and gpt-tokenizer define them: o200k_base's ranks and
 * pattern, with the harmony chat-format tokens and a reserved range up to
 * id 201087. They matter for `decode` and for the framing the chat format
 * adds (see @ctxpack/serialize); in content they are counted as text.
 */
export function harmonySpecialTokens(): Record<string, number> {
  const tokens: Record<string, number> = {
    '<|startoftext|>': 199998,
    '<|endoftext|>': 199999,
    '<|reserved_200000|>': 200000,
    '<|reserved_200001|>': 200001,
    '<|return|>': 200002,
    '<|constrain|>': 200003,
    '<|reserved_200004|>': 200004,
    '<|channel|>': 200005,
    '<|start|>': 200006,
    '<|end|>': 200007,
    '<|message|>': 200008,
    '<|reserved_200009|>': 200009,
    '<|reserved_200010|>': 200010,
    '<|reserved_200011|>': 200011,
    '<|call|>': 200012,
  };
  for (let id = 200013; id < 201088; id++) tokens[`<|reserved_${id}|>`] = id;
  // o200k_base's own, sharing id 200018 with a reserved name; decode gives this one, as gpt-tokenizer does.
  tokens['<|endofprompt|>'] = 200018;
  return tokens;
}
