// Runs every fuzz target for a bounded time, starting from its checked-in
// corpus, and writes new crashing inputs to test/fuzz/corpus/<target>/crash-*.
// Exit 1 when a target crashed. The corpus is replayed by the normal tests
// (test/fuzz-corpus.test.ts).
//
//   node --conditions=@ctxpack/source --import tsx test/fuzz/run.ts [--seconds 60] [--only sanitize]
//        [--seed N --executions N  (reproducible: same inputs every run)] [--json out.json]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzz, sha } from './engine.js';
import { targets } from './targets.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    only: { type: 'string' },
    json: { type: 'string' },
    seed: { type: 'string' },
    executions: { type: 'string' },
  },
});
const corpusDir = new URL('./corpus/', import.meta.url).pathname;
const results = [];
let failed = false;
for (const target of targets) {
  if (values.only && values.only !== target.name) continue;
  const dir = join(corpusDir, target.name);
  mkdirSync(dir, { recursive: true });
  const corpus = readdirSync(dir).map((f) => new Uint8Array(readFileSync(join(dir, f))));
  const stats = await fuzz(target, {
    seconds: Number(values.seconds),
    corpus,
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    ...(values.executions === undefined ? {} : { maxExecutions: Number(values.executions) }),
  });
  for (const crash of stats.crashes) {
    const file = join(dir, `crash-${sha(crash.input)}`);
    writeFileSync(file, crash.input);
    console.error(`  crash in ${target.name}: ${crash.message.slice(0, 200)} → ${file}`);
    failed = true;
  }
  console.log(
    `${target.name.padEnd(16)} ${String(stats.executions).padStart(8)} executions in ${stats.seconds} s ` +
      `(${Math.round(stats.executions / stats.seconds)}/s), corpus ${stats.corpus}, ${stats.blocks} code blocks reached, ` +
      `${stats.crashes.length} crash(es)`,
  );
  results.push({ ...stats, crashes: stats.crashes.map((c) => c.message) });
}
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
if (failed) process.exit(1);
