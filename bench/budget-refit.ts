/**
 * Re-fit after changing 1 of 500 blocks: cold (first fit of fresh texts in
 * this process) vs warm (one block changed; the other 499 counts come from
 * the digest-keyed cache). Also the warm re-fit without cacheKey (only the
 * tokenizer's piece cache helps) for comparison.
 * Run: cd bench && node --conditions=@ctxpack/source --import tsx budget-refit.ts
 */
import { writeFileSync } from 'node:fs';
import { createTokenizer, type FitItem, fit } from '@ctxpack/budget';
import { type CorpusKind, generateText, median } from './budget-corpus.js';

const BLOCKS = 500;
const CHARS_EACH = 800; // ~100k tokens in total
const BUDGET = 32_000;
const CHANGES = 20;

const tokenizer = createTokenizer('o200k_base');
tokenizer.count('load the rank tables before timing');
const kinds: CorpusKind[] = ['prose', 'code', 'json', 'cjk'];
const makeItems = (seed: number, prefix: string): FitItem[] =>
  Array.from({ length: BLOCKS }, (_, i) => ({
    id: `b${i}`,
    text: generateText(kinds[i % kinds.length] as CorpusKind, CHARS_EACH, seed + i),
    priority: (i * 7919) % 1000,
    truncate: 'tail',
    overheadTokens: 4,
    cacheKey: `${prefix}:${i}`,
  }));
const options = { tokenizer, maxTokens: BUDGET + 4000, reserveOutput: 4000, baseTokens: 3 };

// Cold, first fit in the process: JIT not warmed, piece cache and pair memo empty.
let t = performance.now();
fit(makeItems(90_000, 'first'), options);
const firstMs = performance.now() - t;
// Cold, process warmed on other texts: these texts and keys are new to every cache.
const items = makeItems(5000, 'v0');
t = performance.now();
const cold = fit(items, options);
const coldMs = performance.now() - t;

const warm: number[] = [];
const uncached: number[] = [];
let hits = 0;
let calls = 0;
for (let k = 1; k <= CHANGES; k++) {
  const at = (k * 37) % BLOCKS;
  const changed = items[at] as FitItem;
  items[at] = { ...changed, text: `${changed.text} edit ${k}`, cacheKey: `v${k}:${at}` };
  t = performance.now();
  const result = fit(items, options);
  warm.push(performance.now() - t);
  hits = result.report.cacheHits;
  calls = result.report.tokenizerCalls;
  const plain = items.map(({ cacheKey: _omit, ...rest }) => rest);
  t = performance.now();
  fit(plain, options);
  uncached.push(performance.now() - t);
}

const out = {
  node: process.version,
  blocks: BLOCKS,
  totalTokens: cold.report.totals.tokensBefore,
  budget: BUDGET,
  firstFitInProcessMs: round(firstMs),
  coldMs: round(coldMs),
  warmMedianMs: round(median(warm)),
  warmPercentOfCold: round((median(warm) / coldMs) * 100),
  warmWithoutCacheKeyMedianMs: round(median(uncached)),
  lastWarm: { cacheHits: hits, tokenizerCalls: calls },
};
console.log(out);
writeFileSync(new URL('./results/budget-refit.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
