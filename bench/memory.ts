// Memory: assembling a 10 MB context must peak below 4× its size.
// Peak is the process's maximum resident set (getrusage maxRSS) above the
// resident set measured just before `assemble`, after the input strings exist
// and every module and tokenizer table is loaded.
//
//   node --expose-gc --conditions=@ctxpack/source --import tsx bench/memory.ts [--mb 10] [--json file]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createContext, createTokenizer, generateKeyPair } from 'ctxpack';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '10' }, json: { type: 'string' }, budget: { type: 'string' } },
});
const targetBytes = Number(values.mb) * 1024 * 1024;

// Realistic mix: prose, code, JSON tool output, some non-ASCII, split into blocks of ~64 KB.
const pieces = [
  'The museum opens at nine; tickets are sold at the door and online. ',
  'function add(a, b) {\n\treturn a + b;\n}\n',
  '{"city":"Paris","temp":18,"rain":[0.1,0.4,0.0]} ',
  'Café crème à 3,50 € — 東京 タワー 🌧️ ',
];
const blocks: string[] = [];
let total = 0;
for (let i = 0; total < targetBytes; i++) {
  const unit = pieces[i % pieces.length] as string;
  const text = unit.repeat(Math.ceil(65_536 / unit.length));
  blocks.push(text);
  total += new TextEncoder().encode(text).length;
}

const gc = (globalThis as { gc?: () => void }).gc;
createTokenizer('o200k_base').count('warm up the tokenizer tables');
const run = async (budget: number) => {
  const ctx = createContext({ tenant: 'acme', signer: generateKeyPair() });
  ctx.system('Summarize the documents.', { pinned: true });
  blocks.forEach((text, i) => {
    ctx.document(text, { type: 'retrieval', uri: `kb://doc/${i}` }, { priority: i % 7 });
  });
  gc?.();
  const before = process.memoryUsage().rss;
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const started = performance.now();
  const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: budget });
  const ms = performance.now() - started;
  const peak = process.resourceUsage().maxRSS * 1024;
  // maxRSS only grows; if an earlier run already peaked higher, this run's peak is unknown → report ≤.
  const growth = Math.max(0, peak - Math.max(before, peakBefore));
  return {
    budget,
    ms: Math.round(ms),
    kept: payload.leaves.length,
    peakAboveBaseline: growth,
    ratio: growth / total,
  };
};

// Largest budget first would mask the others (maxRSS is monotone), so the smaller budget runs first.
const budgets = values.budget ? [Number(values.budget)] : [128_000, 4_000_000];
const results = [];
for (const b of budgets) results.push(await run(b));
console.log(`context: ${(total / 1024 / 1024).toFixed(1)} MB of UTF-8 in ${blocks.length} blocks`);
for (const r of results) {
  console.log(
    `budget ${String(r.budget).padStart(9)} tokens: ${r.kept} blocks kept, ${r.ms} ms, ` +
      `peak +${(r.peakAboveBaseline / 1024 / 1024).toFixed(1)} MB = ${r.ratio.toFixed(2)}× the context (limit 4×)`,
  );
}
if (values.json) writeFileSync(values.json, JSON.stringify({ bytes: total, results }, null, 2));
if (results.some((r) => r.ratio >= 4)) process.exitCode = 1;
