/**
 * Deterministic text corpora for the budget benches: prose, code, JSON, CJK
 * and emoji-dense text, generated from a seeded PRNG so every run and every
 * contender sees the same bytes. No special-token strings (gpt-tokenizer and
 * tiktoken reject them by default).
 */

export function createRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'the of and to in is that for it as with was on be by this are or from at which but not have an they more one had all were when there can been has their if will would about into its some than only other time what so these up out also may could such first two then new like most any over after where many must through between both each should those because does while well however under same another around without'.split(
    ' ',
  );
const IDENTS = [
  'value',
  'index',
  'result',
  'config',
  'items',
  'count',
  'buffer',
  'handler',
  'request',
  'options',
];
const CJK =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质';
const EMOJI = ['😀', '🎉', '👍🏽', '👨‍👩‍👧‍👦', '🇯🇵', '❤️', '🔥', '🚀', '✨', '🙏🏿', '🧑‍💻', '1️⃣', '🏳️‍🌈', '🐍'];

export type CorpusKind = 'prose' | 'code' | 'json' | 'cjk' | 'emoji';
export const CORPUS_KINDS: readonly CorpusKind[] = ['prose', 'code', 'json', 'cjk', 'emoji'];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

/** About `chars` UTF-16 code units of the given kind. */
export function generateText(kind: CorpusKind, chars: number, seed = 1): string {
  const rand = createRandom(seed);
  const parts: string[] = [];
  let length = 0;
  const push = (s: string): void => {
    parts.push(s);
    length += s.length;
  };
  while (length < chars) {
    if (kind === 'prose') {
      const n = 6 + Math.floor(rand() * 14);
      const words = Array.from({ length: n }, () => pick(rand, WORDS));
      const sentence = words.join(' ');
      push(
        `${sentence[0]?.toUpperCase()}${sentence.slice(1)}${rand() < 0.2 ? ',' : '.'} ${rand() < 0.1 ? '\n\n' : ''}`,
      );
    } else if (kind === 'code') {
      const a = pick(rand, IDENTS);
      const b = pick(rand, IDENTS);
      push(
        `function ${a}${Math.floor(rand() * 100)}(${b}, opts = {}) {\n  const ${a} = ${b}.map((x) => x * ${Math.floor(rand() * 10)});\n  if (${a}.length > ${Math.floor(rand() * 64)}) return null; // ${pick(rand, WORDS)}\n  return { ${a}, ${b} };\n}\n\n`,
      );
    } else if (kind === 'json') {
      push(
        `${JSON.stringify({ id: Math.floor(rand() * 1e6), name: pick(rand, IDENTS), score: Math.round(rand() * 1e4) / 100, tags: [pick(rand, WORDS), pick(rand, WORDS)], ok: rand() < 0.5 })},\n`,
      );
    } else if (kind === 'cjk') {
      const n = 8 + Math.floor(rand() * 24);
      let s = '';
      for (let i = 0; i < n; i++) s += CJK[Math.floor(rand() * CJK.length)];
      push(`${s}${rand() < 0.5 ? '。' : '，'}`);
    } else {
      push(`${pick(rand, WORDS)} ${pick(rand, EMOJI)}${pick(rand, EMOJI)} `);
    }
  }
  const text = parts.join('');
  // Trim to the requested size, never splitting a surrogate pair.
  const end = Math.max(1, Math.min(text.length, chars));
  const code = text.charCodeAt(end - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? end - 1 : end);
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs `fn` `runs` times after one warm-up; returns the median in milliseconds. */
export function timeMedian(fn: () => unknown, runs: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

/**
 * About `chars` UTF-16 code units of a mixed agent transcript as it goes on the
 * wire: an OpenAI chat body (JSON) with a system prompt, user turns in prose,
 * assistant tool calls with JSON arguments, and tool results of prose, code,
 * JSON and a little CJK and emoji, all JSON-escaped.
 */
export function generateAgentTranscript(chars: number, seed = 1): string {
  const rand = createRandom(seed);
  const messages: unknown[] = [{ role: 'system', content: generateText('prose', 400, seed + 1) }];
  let length = 0;
  for (let turn = 0; length < chars; turn++) {
    const s = seed * 1009 + turn * 7;
    const call = `call_${Math.floor(rand() * 1e9).toString(36)}`;
    const kind: CorpusKind = (['prose', 'code', 'json', 'json', 'cjk', 'emoji'] as const)[
      turn % 6
    ] as CorpusKind;
    const turnMessages = [
      { role: 'user', content: generateText('prose', 120 + Math.floor(rand() * 300), s) },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: call,
            type: 'function',
            function: {
              name: pick(rand, IDENTS),
              arguments: JSON.stringify({
                query: pick(rand, WORDS),
                limit: Math.floor(rand() * 50),
                page: turn,
              }),
            },
          },
        ],
      },
      {
        role: 'tool',
        tool_call_id: call,
        content: generateText(kind, 600 + Math.floor(rand() * 2400), s + 1),
      },
      { role: 'assistant', content: generateText('prose', 200 + Math.floor(rand() * 400), s + 2) },
    ];
    for (const m of turnMessages) length += JSON.stringify(m).length;
    messages.push(...turnMessages);
  }
  const text = JSON.stringify({ model: 'gpt-4o', messages }, null, 1);
  const end = Math.max(1, Math.min(text.length, chars));
  const code = text.charCodeAt(end - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? end - 1 : end);
}
