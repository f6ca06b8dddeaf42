// ReDoS check: finds every regular expression in packages/*/src (regex
// literals and `new RegExp('…')` with a literal pattern), runs each against
// adversarial inputs from 1 KB to 1 MB, and reports how its time grows.
// A linear pattern grows ~10× per 10× input; anything clearly faster-growing
// is reported as super-linear and fails the run (exit 1).
//
//   node --import tsx bench/redos.ts [--max-kb 1024] [--json bench/results/redos.json]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';

const { values } = parseArgs({
  options: { 'max-kb': { type: 'string', default: '1024' }, json: { type: 'string' } },
});
const maxKb = Number(values['max-kb']);
const root = new URL('..', import.meta.url).pathname;

interface Found {
  file: string;
  line: number;
  source: string;
  flags: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function findRegexes(file: string): Found[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Found[] = [];
  const at = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isRegularExpressionLiteral(node)) {
      const lit = node.text;
      const end = lit.lastIndexOf('/');
      out.push({ file, line: at(node), source: lit.slice(1, end), flags: lit.slice(end + 1) });
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'RegExp' &&
      node.arguments?.[0] !== undefined &&
      (ts.isStringLiteral(node.arguments[0]) || ts.isNoSubstitutionTemplateLiteral(node.arguments[0]))
    ) {
      const flagsArg = node.arguments[1];
      const flags = flagsArg && ts.isStringLiteral(flagsArg) ? flagsArg.text : '';
      out.push({ file, line: at(node), source: node.arguments[0].text, flags });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const files = [
  'block',
  'escape',
  'provenance',
  'budget',
  'sign',
  'serialize',
  'ctxpack',
  'mcp',
  'cli',
  'replay-redis',
]
  .map((p) => join(root, 'packages', p, 'src'))
  .flatMap((d) => {
    try {
      return walk(d);
    } catch {
      return [];
    }
  });
const regexes = files.flatMap(findRegexes);
const sizes = [1, 10, 100, 1000].filter((kb) => kb <= maxKb).map((kb) => kb * 1024);

interface Row {
  where: string;
  pattern: string;
  worstMs: number[];
  growth: number;
  verdict: 'linear' | 'SUPER-LINEAR' | 'skipped';
}
const rows: Row[] = [];
const TIMEOUT_MS = 15_000;
for (const r of regexes) {
  const where = `${relative(root, r.file)}:${r.line}`;
  const pattern = r.source.length > 60 ? `${r.source.slice(0, 57)}…` : r.source;
  // Each pattern runs in a worker that is killed at the deadline: an
  // exponential pattern would otherwise hang the check itself.
  const result = await new Promise<{ times: number[] } | { error: string } | 'timeout'>((resolve) => {
    const worker = new Worker(new URL('./redos-worker.mjs', import.meta.url), {
      workerData: { source: r.source, flags: r.flags, sizes },
    });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve('timeout');
    }, TIMEOUT_MS);
    worker.once('message', (m) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      resolve({ error: String(e) });
    });
  });
  if (result === 'timeout') {
    rows.push({ where, pattern, worstMs: [], growth: Number.POSITIVE_INFINITY, verdict: 'SUPER-LINEAR' });
    continue;
  }
  if ('error' in result) {
    rows.push({ where, pattern, worstMs: [], growth: 0, verdict: 'skipped' });
    continue;
  }
  const times = result.times;
  // Growth per 10× of input over the two largest sizes (small sizes are noise).
  const a = times[times.length - 2] ?? 0;
  const b = times[times.length - 1] ?? 0;
  const growth = b / Math.max(a, 0.05);
  rows.push({
    where,
    pattern,
    worstMs: times.map((t) => Math.round(t * 100) / 100),
    growth: Math.round(growth * 10) / 10,
    verdict: growth > 60 && b > 20 ? 'SUPER-LINEAR' : 'linear',
  });
}

console.log(
  `ReDoS check: ${rows.length} regexes in ${files.length} files; inputs ${sizes.map((s) => `${s / 1024} KB`).join(', ')}`,
);
console.log('growth = time(largest) / time(10× smaller); ~10 is linear, ~100 is quadratic\n');
for (const row of rows.sort((x, y) => y.growth - x.growth)) {
  console.log(
    `${row.verdict.padEnd(12)} ×${String(row.growth).padEnd(6)} ${row.worstMs.join(' / ').padEnd(28)} ${row.where}  /${row.pattern}/`,
  );
}
if (values.json) writeFileSync(values.json, JSON.stringify({ sizes, rows }, null, 2));
const bad = rows.filter((r) => r.verdict === 'SUPER-LINEAR');
if (bad.length > 0) {
  console.error(`\n${bad.length} super-linear pattern(s)`);
  process.exit(1);
}
