// Runs every bench in sequence, each in its own process (so one's heap and
// caches do not skew the next), writing results to bench/results/.
//
//   pnpm bench            # everything (budget-fit alone takes ~10 min)
//   pnpm bench -- --quick # smaller grids, fewer runs
import { spawnSync } from 'node:child_process';

const quick = process.argv.includes('--quick');
const q = quick ? ['--quick'] : [];
const runs: [string, string[], string[]][] = [
  ['budget-count.ts', [], []],
  ['budget-fit.ts', q, []],
  ['budget-refit.ts', [], []],
  ['budget-pathological.ts', [], []],
  ['budget-chart.ts', [], []],
  ['escape-sanitize.ts', [], []],
  ['serialize-render.ts', [], []],
  ['sign-payload.ts', q, []],
  ['verify-native.ts', q, []],
  ['agent-latency.ts', q, []],
  ['check-response.ts', q, []],
  ['redos.ts', ['--max-kb', quick ? '100' : '1024', '--json', 'results/redos.json'], []],
  ['memory.ts', ['--json', 'results/memory.json'], ['--expose-gc']],
];
const failed: string[] = [];
for (const [file, args, nodeArgs] of runs) {
  console.log(`\n━━ ${file} ${args.join(' ')}`);
  const r = spawnSync(
    process.execPath,
    [...nodeArgs, '--conditions=@ctxpack/source', '--import', 'tsx', file, ...args],
    { stdio: 'inherit', cwd: new URL('.', import.meta.url).pathname },
  );
  if (r.status !== 0) failed.push(file);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
