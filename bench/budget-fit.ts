/**
 * Truncation cost: fit N blocks totalling T tokens into a budget of B tokens
 * (o200k_base everywhere), ours vs @vscode/prompt-tsx (priorities),
 * LangChain trimMessages, @impowering/priompt and a naive re-count loop.
 * Every contender renders one user message per block; framing is the OpenAI
 * cookbook's (3 + role per message, 3 for reply priming).
 * Peers count with gpt-tokenizer (the fastest exact JS counter) except
 * priompt, which uses its own native tiktoken binding. The timing loop and
 * the peer adapters are @ctxpack/cli's fit harness, the one `ctxpack bench`
 * runs on a user's own request.
 * A contender whose run exceeds SLOW_MS skips every larger cell (noted in the JSON).
 * Run: cd bench && node --conditions=@ctxpack/source --import tsx budget-fit.ts [--quick]
 */
import { writeFileSync } from 'node:fs';
import { createTokenizer, fit } from '@ctxpack/budget';
import { FIT_FRAMING, type FitPeerName, loadFitPeers, measureFit } from '@ctxpack/cli';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { type CorpusKind, createRandom, generateText } from './budget-corpus.js';

const quick = process.argv.includes('--quick');
const BLOCKS = quick ? [50, 500] : [50, 500, 5000];
const TOTALS = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const BUDGETS = [8_000, 32_000, 128_000];
const SLOW_MS = 20_000;
// The harness's framing (the cookbook's): 3 per message + the role "user" (1 token), 3 for reply priming.
const PER_MESSAGE = FIT_FRAMING.perMessage;
const PRIMING = FIT_FRAMING.priming;

interface Block {
  text: string;
  priority: number;
}

function makeBlocks(n: number, totalTokens: number, seed: number): Block[] {
  const rand = createRandom(seed);
  const kinds: CorpusKind[] = ['prose', 'prose', 'code', 'json'];
  const charsEach = Math.max(8, Math.round((totalTokens / n) * 3.6));
  return Array.from({ length: n }, (_, i) => ({
    text: generateText(kinds[i % kinds.length] as CorpusKind, charsEach, seed * 100_003 + i),
    priority: Math.floor(rand() * 1000),
  }));
}

const ours = createTokenizer('o200k_base');

type Contender = (blocks: Block[], budget: number) => Promise<number>;

const contenders: Record<string, Contender> = {
  'ctxpack fit': async (blocks, budget) =>
    fit(
      blocks.map((b, i) => ({
        id: `b${i}`,
        text: b.text,
        priority: b.priority,
        truncate: 'none',
        overheadTokens: PER_MESSAGE,
      })),
      { tokenizer: ours, maxTokens: budget, baseTokens: PRIMING },
    ).report.used,
  'ctxpack fit (tail cuts)': async (blocks, budget) =>
    fit(
      blocks.map((b, i) => ({
        id: `b${i}`,
        text: b.text,
        priority: b.priority,
        truncate: 'tail',
        overheadTokens: PER_MESSAGE,
      })),
      { tokenizer: ours, maxTokens: budget, baseTokens: PRIMING },
    ).report.used,
  // Re-assembly: counts cached across fit calls by cacheKey (the block digest); the timed runs follow a warm-up.
  'ctxpack fit (counts cached by digest)': async (blocks, budget) =>
    fit(
      blocks.map((b, i) => ({
        id: `b${i}`,
        text: b.text,
        priority: b.priority,
        truncate: 'none',
        overheadTokens: PER_MESSAGE,
        cacheKey: `${blocks.length}:${budget}:${i}:${b.text.length}`,
      })),
      { tokenizer: ours, maxTokens: budget, baseTokens: PRIMING },
    ).report.used,
};

// The peers come from the harness `ctxpack bench` uses (@ctxpack/cli fit-peers), resolved from
// bench/'s own devDependencies; they count with gpt-tokenizer, priompt with its native tiktoken.
const PEER_LABELS: Record<FitPeerName, string> = {
  'gpt-tokenizer': 'naive re-count loop',
  '@vscode/prompt-tsx': '@vscode/prompt-tsx',
  'LangChain trimMessages': 'LangChain trimMessages',
  '@impowering/priompt': '@impowering/priompt',
};
for (const slot of await loadFitPeers({
  encoding: 'o200k_base',
  fallbackCount: (t) => ours.count(t),
  importer: (specifier) => import(specifier),
})) {
  if (slot.status !== 'ready') throw new Error(`${slot.name} is a devDependency of bench/: ${slot.reason}`);
  const { peer } = slot;
  contenders[PEER_LABELS[slot.name]] = async (blocks, budget) => (await peer.run(blocks, budget)).tokens;
}

async function time(run: () => Promise<number>): Promise<{ ms: number; used: number }> {
  const t = await measureFit(run, { warmRuns: 3, skipWarmAfterMs: 1000 });
  return { ms: t.warmMs ?? t.coldMs, used: t.result };
}

const cells: Record<string, unknown>[] = [];
const tooSlow: Record<string, { blocks: number; total: number }> = {};
for (const total of TOTALS) {
  for (const n of BLOCKS) {
    const blocks = makeBlocks(n, total, n + total);
    const actual = blocks.reduce((s, b) => s + countTokens(b.text), 0);
    for (const budget of BUDGETS) {
      const cell: Record<string, unknown> = { blocks: n, totalTokens: actual, budget };
      for (const [name, run] of Object.entries(contenders)) {
        const slow = tooSlow[name];
        if (slow !== undefined && n >= slow.blocks && total >= slow.total) {
          cell[name] = { skipped: `a smaller cell took over ${SLOW_MS / 1000} s` };
          continue;
        }
        try {
          const { ms, used } = await time(run.bind(null, blocks, budget));
          cell[name] = { ms: Math.round(ms * 100) / 100, used };
          if (ms > SLOW_MS) tooSlow[name] = { blocks: n, total };
        } catch (e) {
          cell[name] = { error: String((e as Error).message ?? e).slice(0, 200) };
        }
      }
      cells.push(cell);
      console.log(JSON.stringify(cell));
    }
  }
}

const ratios = cells.map((c) => {
  const ourMs = (c['ctxpack fit'] as { ms: number }).ms;
  const cachedMs = (c['ctxpack fit (counts cached by digest)'] as { ms: number }).ms;
  const row: Record<string, unknown> = {
    blocks: c.blocks,
    totalTokens: c.totalTokens,
    budget: c.budget,
    'ctxpack ms': ourMs,
    'cached ms': cachedMs,
  };
  for (const peer of [
    'naive re-count loop',
    '@vscode/prompt-tsx',
    'LangChain trimMessages',
    '@impowering/priompt',
  ]) {
    const r = c[peer] as { ms?: number };
    row[`${peer} ÷ ctxpack`] = r.ms === undefined ? null : Math.round((r.ms / ourMs) * 10) / 10;
    row[`${peer} ÷ cached`] = r.ms === undefined ? null : Math.round(r.ms / cachedMs);
  }
  return row;
});
console.table(ratios);
writeFileSync(
  new URL('./results/budget-fit.json', import.meta.url),
  `${JSON.stringify({ node: process.version, encoding: 'o200k_base', slowMs: SLOW_MS, cells, ratios }, null, 2)}\n`,
);
