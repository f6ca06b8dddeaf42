/**
 * Token counting throughput per encoding (o200k_base, cl100k_base — every
 * encoding ctxpack counts exactly, for every contender that supports it):
 * @ctxpack/budget count vs js-tiktoken encode (special tokens as text, the
 * reference), gpt-tokenizer countTokens, tiktoken (WASM) encode_ordinary,
 * ai-tokenizer count and @microsoft/tiktokenizer encode, on prose, code,
 * JSON, CJK, emoji-dense text and a mixed agent transcript (an OpenAI chat
 * body with tool calls). Warm: median of RUNS counts of one text after a
 * warm-up, contenders run round-robin (the first one rotating) so that load
 * from other jobs lands on all of them alike. First pass: each contender's first count of a fresh text of the
 * same kind. Every contender's count is checked against js-tiktoken's; a
 * contender that differs is marked in `mismatch`.
 * @microsoft/tiktokenizer would download its rank file: it is built from
 * js-tiktoken's ranks (the same table) with its own regex and special tokens.
 * Run: cd bench && node --conditions=@ctxpack/source --import tsx budget-count.ts [--quick]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createTokenizer } from '@ctxpack/budget';
import {
  createTokenizer as createMicrosoftTokenizer,
  getRegexByEncoder,
  getSpecialTokensByEncoder,
} from '@microsoft/tiktokenizer';
import AiTokenizer from 'ai-tokenizer';
import { cl100k_base as aiCl100k, o200k_base as aiO200k } from 'ai-tokenizer/encoding';
import * as gptCl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as gptO200k from 'gpt-tokenizer/encoding/o200k_base';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { get_encoding } from 'tiktoken';
import { CORPUS_KINDS, generateAgentTranscript, generateText, median } from './budget-corpus.js';

const quick = process.argv.includes('--quick');
const CHARS = quick ? 40_000 : 400_000;
const RUNS = 7;
const ENCODINGS = ['o200k_base', 'cl100k_base'] as const;
type Encoding = (typeof ENCODINGS)[number];
const KINDS = [...CORPUS_KINDS, 'agent'] as const;
type Kind = (typeof KINDS)[number];

const text = (kind: Kind, seed: number): string =>
  kind === 'agent' ? generateAgentTranscript(CHARS, seed) : generateText(kind, CHARS, seed);

function versionOf(name: string): string {
  const path = new URL(`./node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** js-tiktoken's compressed ranks → the Map<bytes, rank> @microsoft/tiktokenizer takes. */
function microsoftRanks(ranks: { bpe_ranks: string }): Map<Uint8Array, number> {
  const out = new Map<Uint8Array, number>();
  for (const line of ranks.bpe_ranks.split('\n')) {
    if (line === '') continue;
    const [, offset, ...tokens] = line.split(' ');
    tokens.forEach((token, i) => {
      out.set(new Uint8Array(Buffer.from(token, 'base64')), Number.parseInt(offset as string, 10) + i);
    });
  }
  return out;
}

type Contenders = Record<string, (text: string) => number>;

function contendersFor(encoding: Encoding): Contenders {
  const ranks = encoding === 'o200k_base' ? o200k : cl100k;
  const jsTiktoken = new Tiktoken(ranks);
  const wasm = get_encoding(encoding);
  const ours = createTokenizer(encoding);
  const gpt = encoding === 'o200k_base' ? gptO200k : gptCl100k;
  const ai = new AiTokenizer(encoding === 'o200k_base' ? aiO200k : aiCl100k);
  const microsoft = createMicrosoftTokenizer(
    microsoftRanks(ranks),
    getSpecialTokensByEncoder(encoding),
    getRegexByEncoder(encoding),
  );
  const contenders: Contenders = {
    ctxpack: (t) => ours.count(t),
    'js-tiktoken': (t) => jsTiktoken.encode(t, [], []).length,
    'gpt-tokenizer': (t) => gpt.countTokens(t),
    'tiktoken (WASM)': (t) => wasm.encode_ordinary(t).length,
    'ai-tokenizer': (t) => ai.count(t),
    '@microsoft/tiktokenizer': (t) => microsoft.encode(t, []).length,
  };
  // Rank tables are decoded lazily by some contenders: load them here, so "first pass" is a new text, not a table load.
  for (const count of Object.values(contenders)) count('warm up the tables');
  return contenders;
}

const PEERS = ['gpt-tokenizer', 'tiktoken (WASM)', 'js-tiktoken', 'ai-tokenizer', '@microsoft/tiktokenizer'];
const versions: Record<string, string> = {
  'gpt-tokenizer': versionOf('gpt-tokenizer'),
  'tiktoken (WASM)': versionOf('tiktoken'),
  'js-tiktoken': versionOf('js-tiktoken'),
  'ai-tokenizer': versionOf('ai-tokenizer'),
  '@microsoft/tiktokenizer': versionOf('@microsoft/tiktokenizer'),
};

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const rows: Record<string, unknown>[] = [];
for (const encoding of ENCODINGS) {
  const contenders = contendersFor(encoding);
  for (const kind of KINDS) {
    const warmText = text(kind, 7);
    const coldText = text(kind, encoding === 'o200k_base' ? 99 : 199);
    const bytes = new TextEncoder().encode(warmText).length;
    const coldBytes = new TextEncoder().encode(coldText).length;
    const reference = contenders['js-tiktoken']?.(warmText);
    const coldReference = contenders['js-tiktoken']?.(coldText);
    const row: Record<string, unknown> = { encoding, kind, chars: warmText.length, bytes, tokens: reference };
    const mismatch: Record<string, number> = {};
    const firstMs: Record<string, number> = {};
    for (const [name, count] of Object.entries(contenders)) {
      // First pass before anything else of this cell, so no cache of this contender has seen the text.
      if (name === 'js-tiktoken') continue;
      const t0 = performance.now();
      const first = count(coldText);
      firstMs[name] = performance.now() - t0;
      if (first !== coldReference) mismatch[`${name} (first pass)`] = first;
      const n = count(warmText); // also the warm-up
      if (n !== reference) mismatch[name] = n;
    }
    // Warm runs round-robin, the starting contender rotating each round, so a burst of load
    // from other jobs on the machine lands on every contender alike rather than on one.
    const names = Object.keys(contenders);
    const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < RUNS; round++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(round + k) % names.length] as string;
        if (name === 'js-tiktoken' && round >= 3) continue; // 1–8 s a call on CJK: 3 runs
        const count = contenders[name] as (t: string) => number;
        const t = performance.now();
        count(warmText);
        (times[name] as number[]).push(performance.now() - t);
      }
    }
    for (const name of names) {
      const ms = median(times[name] as number[]);
      const fp = firstMs[name];
      row[name] = {
        ms: round(ms),
        mbPerSec: round(bytes / 1e6 / (ms / 1000)),
        ...(fp === undefined
          ? {}
          : { firstPassMs: round(fp), firstPassMbPerSec: round(coldBytes / 1e6 / (fp / 1000)) }),
      };
    }
    row.mismatch = mismatch;
    row.identicalToJsTiktoken = Object.keys(mismatch).length === 0;
    // Kept for budget-chart.ts (the o200k chart): ctxpack's first pass under its old key.
    const ctx = row.ctxpack as { firstPassMs: number; firstPassMbPerSec: number };
    row['ctxpack (first pass, new text)'] = { ms: ctx.firstPassMs, mbPerSec: ctx.firstPassMbPerSec };
    rows.push(row);
    console.log(encoding, kind, JSON.stringify(row));
  }
}

const rate = (r: Record<string, unknown>, name: string): number => (r[name] as { mbPerSec: number }).mbPerSec;
const ratios = rows.map((r) => {
  const out: Record<string, unknown> = { encoding: r.encoding, kind: r.kind };
  for (const peer of PEERS) out[`ctxpack ÷ ${peer}`] = round(rate(r, 'ctxpack') / rate(r, peer));
  const fastest = PEERS.reduce((m, p) => Math.max(m, rate(r, p)), 0);
  out['ctxpack ÷ fastest peer'] = round(rate(r, 'ctxpack') / fastest);
  return out;
});
console.table(ratios);

// The README table, printed for pasting.
const peerCols = [
  'gpt-tokenizer',
  'ai-tokenizer',
  'tiktoken (WASM)',
  '@microsoft/tiktokenizer',
  'js-tiktoken',
];
console.log(
  `\n| encoding | corpus | ctxpack | ${peerCols.join(' | ')} | ÷ fastest peer | first pass: ctxpack | first pass: ${peerCols.slice(0, 4).join(' | first pass: ')} | counts = js-tiktoken |`,
);
console.log(`|${' --- |'.repeat(4 + peerCols.length + 1 + 4 + 1)}`);
for (const r of rows) {
  const fp = (n: string) => (r[n] as { firstPassMbPerSec?: number }).firstPassMbPerSec ?? '';
  const fastest = PEERS.reduce((m, p) => Math.max(m, rate(r, p)), 0);
  const mismatch = r.mismatch as Record<string, number>;
  console.log(
    `| ${r.encoding} | ${r.kind} | ${rate(r, 'ctxpack')} | ${peerCols.map((p) => rate(r, p)).join(' | ')} | ${(rate(r, 'ctxpack') / fastest).toFixed(2)}× | ${fp('ctxpack')} | ${peerCols
      .slice(0, 4)
      .map(fp)
      .join(
        ' | ',
      )} | ${Object.keys(mismatch).length === 0 ? 'all' : `differ: ${Object.keys(mismatch).join(', ')}`} |`,
  );
}

if (!quick) {
  writeFileSync(
    new URL('./results/budget-count.json', import.meta.url),
    `${JSON.stringify({ node: process.version, encodings: ENCODINGS, chars: CHARS, versions, rows: rows.filter((r) => r.encoding === 'o200k_base'), allRows: rows, ratios }, null, 2)}\n`,
  );
}
