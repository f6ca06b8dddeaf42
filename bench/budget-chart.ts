/**
 * Renders the budget bench results (bench/results/budget-*.json) as SVG bar
 * charts, with no plotting dependency.
 * Run: cd bench && node --import tsx budget-chart.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

interface Series {
  name: string;
  values: (number | null)[];
}

const COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Grouped bar chart; `log` uses a log10 axis (for times spanning orders of magnitude). */
function barChart(title: string, unit: string, groups: string[], series: Series[], log: boolean): string {
  const width = Math.max(720, 120 + groups.length * (series.length * 12 + 24));
  const height = 420;
  const left = 70;
  const top = 40;
  const plotH = 260;
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && v > 0);
  const max = Math.max(...all);
  const min = log ? Math.min(...all) : 0;
  const lo = log ? 10 ** Math.floor(Math.log10(min)) : 0;
  const hi = log ? 10 ** Math.ceil(Math.log10(max)) : max * 1.1;
  const y = (v: number): number =>
    top + plotH - (log ? (Math.log10(v / lo) / Math.log10(hi / lo)) * plotH : (v / hi) * plotH);
  const groupW = (width - left - 20) / groups.length;
  const barW = Math.min(14, (groupW - 10) / series.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const ticks = log
    ? Array.from({ length: Math.round(Math.log10(hi / lo)) + 1 }, (_, i) => lo * 10 ** i)
    : Array.from({ length: 6 }, (_, i) => (hi / 5) * i);
  for (const tick of ticks) {
    const ty = y(log ? tick : tick || 0);
    out.push(`<line x1="${left}" x2="${width - 20}" y1="${ty}" y2="${ty}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${ty + 4}" text-anchor="end">${formatTick(tick)}</text>`);
  }
  out.push(
    `<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle">${escapeXml(unit)}</text>`,
  );
  groups.forEach((g, gi) => {
    const gx = left + gi * groupW + 5;
    series.forEach((s, si) => {
      const v = s.values[gi];
      const x = gx + si * barW;
      if (v === null || v === undefined || v <= 0) {
        out.push(
          `<text x="${x + barW / 2}" y="${top + plotH - 3}" text-anchor="middle" font-size="8" fill="#999">×</text>`,
        );
        return;
      }
      const by = y(Math.max(v, lo || v));
      out.push(
        `<rect x="${x}" y="${by}" width="${barW - 1}" height="${top + plotH - by}" fill="${COLORS[si % COLORS.length]}"><title>${escapeXml(`${s.name} ${g}: ${v} ${unit}`)}</title></rect>`,
      );
    });
    const lines = g.split('\n');
    lines.forEach((line, li) => {
      out.push(
        `<text x="${gx + (series.length * barW) / 2}" y="${top + plotH + 14 + li * 12}" text-anchor="middle" font-size="9">${escapeXml(line)}</text>`,
      );
    });
  });
  series.forEach((s, si) => {
    const lx = left + (si % 4) * 190;
    const ly = height - 40 + Math.floor(si / 4) * 16;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${COLORS[si % COLORS.length]}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function formatTick(v: number): string {
  if (v >= 1000) return `${v / 1000}k`;
  if (v < 1 && v > 0) return String(v);
  return String(Math.round(v * 10) / 10);
}

function read(name: string): Record<string, unknown> | undefined {
  const url = new URL(`./results/${name}`, import.meta.url);
  return existsSync(url) ? (JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>) : undefined;
}

const count = read('budget-count.json');
if (count !== undefined) {
  const rows = count.rows as Record<string, { mbPerSec: number } | string>[];
  const names = ['ctxpack', 'gpt-tokenizer', 'tiktoken (WASM)', 'js-tiktoken'];
  const svg = barChart(
    'Token counting throughput, o200k_base (higher is better)',
    'MB/s',
    rows.map((r) => String(r.kind)),
    names.map((n) => ({ name: n, values: rows.map((r) => (r[n] as { mbPerSec: number }).mbPerSec) })),
    true,
  );
  writeFileSync(new URL('./results/budget-count.svg', import.meta.url), svg);
}

const fitResults = read('budget-fit.json');
if (fitResults !== undefined) {
  const cells = fitResults.cells as Record<string, unknown>[];
  const names = [
    'ctxpack fit',
    'ctxpack fit (counts cached by digest)',
    'naive re-count loop',
    '@vscode/prompt-tsx',
    'LangChain trimMessages',
    '@impowering/priompt',
  ];
  const svg = barChart(
    'fit time: N blocks / T tokens into budget B, o200k_base (log scale, lower is better; × = skipped)',
    'ms',
    cells.map(
      (c) =>
        `${c.blocks} blk\n${Math.round(Number(c.totalTokens) / 1000)}k tok\nB ${Number(c.budget) / 1000}k`,
    ),
    names.map((n) => ({
      name: n,
      values: cells.map((c) => (c[n] as { ms?: number } | undefined)?.ms ?? null),
    })),
    true,
  );
  writeFileSync(new URL('./results/budget-fit.svg', import.meta.url), svg);
}
console.log('charts written');

/** Markdown tables of the same results, for bench/README-budget.md. */
function table(header: string[], rows: (string | number | null)[][]): string {
  const line = (cells: (string | number | null)[]): string =>
    `| ${cells.map((c) => (c === null ? '—' : String(c))).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

if (count !== undefined) {
  const rows = count.rows as Record<string, { mbPerSec: number } | string | number | boolean>[];
  const rate = (r: (typeof rows)[number], n: string): number => (r[n] as { mbPerSec: number }).mbPerSec;
  console.log('\n### Counting throughput (MB/s, warm) and ratios\n');
  console.log(
    table(
      [
        'corpus',
        'ctxpack',
        'gpt-tokenizer',
        'tiktoken (WASM)',
        'js-tiktoken',
        '÷ gpt-tokenizer',
        '÷ tiktoken',
        '÷ js-tiktoken',
        'first pass (new text)',
        'counts = js-tiktoken',
      ],
      rows.map((r) => [
        String(r.kind),
        rate(r, 'ctxpack'),
        rate(r, 'gpt-tokenizer'),
        rate(r, 'tiktoken (WASM)'),
        rate(r, 'js-tiktoken'),
        `${(rate(r, 'ctxpack') / rate(r, 'gpt-tokenizer')).toFixed(2)}×`,
        `${(rate(r, 'ctxpack') / rate(r, 'tiktoken (WASM)')).toFixed(1)}×`,
        `${(rate(r, 'ctxpack') / rate(r, 'js-tiktoken')).toFixed(1)}×`,
        rate(r, 'ctxpack (first pass, new text)'),
        r.identicalToJsTiktoken === true ? 'yes' : 'NO',
      ]),
    ),
  );
}

if (fitResults !== undefined) {
  const cells = fitResults.cells as Record<string, unknown>[];
  const ms = (c: Record<string, unknown>, n: string): number | undefined =>
    (c[n] as { ms?: number } | undefined)?.ms;
  const peers = [
    'naive re-count loop',
    '@vscode/prompt-tsx',
    'LangChain trimMessages',
    '@impowering/priompt',
  ];
  console.log('\n### fit: time in ms (ratio = peer ÷ ctxpack fit)\n');
  console.log(
    table(
      ['blocks', 'tokens', 'budget', 'ctxpack', 'ctxpack, cached counts', 'ctxpack, tail cuts', ...peers],
      cells.map((c) => {
        const ours = ms(c, 'ctxpack fit') as number;
        return [
          Number(c.blocks),
          `${Math.round(Number(c.totalTokens) / 1000)}k`,
          `${Number(c.budget) / 1000}k`,
          ours,
          ms(c, 'ctxpack fit (counts cached by digest)') ?? null,
          ms(c, 'ctxpack fit (tail cuts)') ?? null,
          ...peers.map((p) => {
            const v = ms(c, p);
            return v === undefined ? 'skipped' : `${v} (${(v / ours).toFixed(1)}×)`;
          }),
        ];
      }),
    ),
  );
}

for (const name of ['budget-refit.json', 'budget-pathological.json']) {
  const r = read(name);
  if (r !== undefined) console.log(`\n${name}:\n${JSON.stringify(r, null, 1)}`);
}
