/**
 * Pathological input: a single pre-tokenizer piece of 100,000 characters.
 * js-tiktoken, gpt-tokenizer and tiktoken (WASM) all merge such a piece in
 * quadratic time; ours uses a heap merge. js-tiktoken is timed at 10,000
 * characters only (~11 s there; 100k would take tens of minutes).
 * Run: cd bench && node --conditions=@ctxpack/source --import tsx budget-pathological.ts [--skip-peers]
 */
import { writeFileSync } from 'node:fs';
import { createTokenizer, fit } from '@ctxpack/budget';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { get_encoding } from 'tiktoken';

const skipPeers = process.argv.includes('--skip-peers');
const ours = createTokenizer('o200k_base');
ours.count('load the rank tables before timing');
const jsTiktoken = new Tiktoken(o200k);
const wasm = get_encoding('o200k_base');

const inputs: Record<string, string> = {
  'a × 100k': 'a'.repeat(100_000),
  'ab × 50k': 'ab'.repeat(50_000),
  'digits-free letters, random (100k)': Array.from(
    { length: 100_000 },
    (_, i) => 'etaoinshrdlu'[(i * 7 + (i >> 3)) % 12],
  ).join(''),
  '😀 × 50k (100k UTF-16 units)': '😀'.repeat(50_000),
};

function timed(fn: () => number): { ms: number; tokens: number } {
  const t = performance.now();
  const tokens = fn();
  return { ms: Math.round((performance.now() - t) * 10) / 10, tokens };
}

const rows: Record<string, unknown>[] = [];
for (const [name, text] of Object.entries(inputs)) {
  const row: Record<string, unknown> = {
    input: name,
    chars: text.length,
    ctxpack: timed(() => ours.count(text)),
  };
  row['ctxpack fit, cut to 2,000 tokens'] = timed(
    () =>
      fit([{ id: 'x', text, priority: 1, truncate: 'middle' }], { tokenizer: ours, maxTokens: 2000 }).report
        .used,
  );
  if (!skipPeers) {
    row['gpt-tokenizer'] = timed(() => countTokens(text));
    row['tiktoken (WASM)'] = timed(() => wasm.encode_ordinary(text).length);
    const tenK = text.slice(0, 10_000);
    row['js-tiktoken (first 10k chars only)'] = timed(() => jsTiktoken.encode(tenK, [], []).length);
    row['ctxpack (first 10k chars)'] = timed(() => ours.count(tenK));
  }
  rows.push(row);
  console.log(JSON.stringify(row));
}
writeFileSync(
  new URL('./results/budget-pathological.json', import.meta.url),
  `${JSON.stringify({ node: process.version, encoding: 'o200k_base', rows }, null, 2)}\n`,
);
