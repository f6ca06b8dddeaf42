// Texts every tokenizer differential runs: prose, contractions, code, JSON,
// CJK, RTL with marks and embeddings, full-width forms, combining marks and
// Indic/Thai clusters, invisible and bidi controls, emoji ZWJ sequences, tag
// characters, lone surrogates, private use and noncharacters, digits in many
// scripts, whitespace runs, URLs, punctuation runs, and every emoji.
import emojis from 'emojibase-data/en/compact.json' with { type: 'json' };

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export const hostileTexts: readonly string[] = [
  'The quick brown fox jumps over the lazy dog.',
  "It's what they'd've said: we'll, you're, I'M, THEY'RE, don't.",
  'function add(a, b) {\n\treturn a + b; // sum\n}\n\n\n    indented();\r\n',
  'def f(x):\n    if x > 0:\n        return [i ** 2 for i in range(x)]\n    raise ValueError("neg")\n',
  "SELECT id, name FROM users WHERE created_at > NOW() - INTERVAL '7 days' ORDER BY id DESC;",
  JSON.stringify(
    { id: 1, name: 'ctxpack', tags: ['a', 'b'], nested: { x: 1.5e-3, y: null, z: true, w: -42 } },
    null,
    2,
  ),
  JSON.stringify({ tool_calls: [{ id: 'call_9f2', function: { name: 'search', arguments: '{"q":"x"}' } }] }),
  '日本語のテキストと中文文本，한국어 텍스트。',
  'مرحبا بالعالم — שלום עולם — नमस्ते दुनिया — สวัสดีชาวโลก',
  '\u200fמימין לשמאל\u200e LTR \u202bembedded\u202c \u2067isolate\u2069 \u061c',
  'Ａｂｃ１２３ full-width ｶﾀｶﾅ',
  'e\u0301 a\u0308 combining; Z\u0351\u0352\u0353\u0354algo; \u0915\u094d\u0937 \u0e01\u0e34\u0e4a',
  '\u200b\u200c\u200d\u2060\ufeff invisible \u202e bidi \u2066x\u2069',
  '👩‍👩‍👧‍👦 🧑🏽‍🚀 🏳️‍🌈 🇫🇷🇩🇪 #️⃣ 1️⃣ \u{1f469}\u200d\u{1f4bb}',
  '\udb40\udc41\udb40\udc42 tag chars; lone \ud800 and \udfff surrogates; \udc00\ud800 reversed',
  '\ue000\uf8ff private use \u{f0000}\u{10fffd} planes 15 and 16 \ufffe\uffff noncharacters',
  '12345678901234567890 3.14159 -42 1e10 0xDEADBEEF ٣٤٥ ²³ Ⅻ ①②',
  '    \n\n\n   \t\t  \r\n\r\n  trailing   ',
  'https://example.com/path?query=1&x=y#frag user@example.com /usr/local/bin//x',
  '!!!???...,,,;;;:::---___===+++***&&&^^^%%%$$$###@@@',
  // Every emoji, in runs of 24 (js-tiktoken and gpt-tokenizer are quadratic on one long piece).
  ...chunk(
    emojis.map((e) => e.unicode),
    24,
  ).map((run) => run.join('')),
  emojis.map((e) => e.unicode).join(' '),
];
