/**
 * Token counting throughput, o200k_base for every contender:
 * @ctxpack/budget count vs js-tiktoken encode (special tokens as text),
 * gpt-tokenizer countTokens, tiktoken (WASM) encode_ordinary, on prose, code,
 * JSON, CJK and emoji-dense text. Checks our counts equal js-tiktoken's.
 * Run: cd bench && node --conditions=@ctxpack/source --import tsx budget-count.ts
 */
import { writeFileSync } from 'node:fs';
import { createTokenizer } from '@ctxpack/budget';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { get_encoding } from 'tiktoken';
import { CORPUS_KINDS, generateText, timeMedian } from './budget-corpus.js';

const CHARS = 400_000;
const RUNS = 5;

const jsTiktoken = new Tiktoken(o200k);
const wasm = get_encoding('o200k_base');
const ours = createTokenizer('o200k_base');

const contenders: Record<string, (text: string) => number> = {
  ctxpack: (t) => ours.count(t),
  'js-tiktoken': (t) => jsTiktoken.encode(t, [], []).length,
  'gpt-tokenizer': (t) => countTokens(t),
  'tiktoken (WASM)': (t) => wasm.encode_ordinary(t).length,
};

const rows: Record<string, unknown>[] = [];
for (const kind of CORPUS_KINDS) {
  const text = generateText(kind, CHARS, 7);
  const bytes = new TextEncoder().encode(text).length;
  const reference = contenders['js-tiktoken']?.(text);
  const coldText = generateText(kind, CHARS, 99);
  const t0 = performance.now();
  ours.count(coldText);
  const oursColdMs = performance.now() - t0;
  const row: Record<string, unknown> = { kind, chars: text.length, bytes, tokens: reference };
  for (const [name, count] of Object.entries(contenders)) {
    const n = count(text);
    if (n !== reference) row[`${name} mismatch`] = n;
    const ms = timeMedian(() => count(text), name === 'js-tiktoken' ? 3 : RUNS);
    row[name] = { ms: round(ms), mbPerSec: round(bytes / 1e6 / (ms / 1000)) };
  }
  row['ctxpack (first pass, new text)'] = {
    ms: round(oursColdMs),
    mbPerSec: round(bytes / 1e6 / (oursColdMs / 1000)),
  };
  row.identicalToJsTiktoken = ours.count(text) === reference;
  rows.push(row);
  console.log(kind, JSON.stringify(row));
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const ratios = rows.map((r) => {
  const ourRate = (r.ctxpack as { mbPerSec: number }).mbPerSec;
  const out: Record<string, unknown> = { kind: r.kind };
  for (const peer of ['js-tiktoken', 'gpt-tokenizer', 'tiktoken (WASM)']) {
    out[`ctxpack ÷ ${peer}`] = round(ourRate / (r[peer] as { mbPerSec: number }).mbPerSec);
  }
  return out;
});
console.table(ratios);
writeFileSync(
  new URL('./results/budget-count.json', import.meta.url),
  `${JSON.stringify({ node: process.version, encoding: 'o200k_base', chars: CHARS, rows, ratios }, null, 2)}\n`,
);
