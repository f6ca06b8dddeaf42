import { isRecord } from '@ctxpack/block/kernel';
import type { BlockReport, Payload } from 'ctxpack';
import { InvalidArgumentError } from 'ctxpack';

/** `&`, `<`, `>`, `"` and `'` as entities: safe in element text and in quoted attributes. */
export function escapeHtml(text: string): string {
  if (typeof text !== 'string')
    throw new InvalidArgumentError({ path: 'text', expected: 'a string', value: text });
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const TRUST_COLOURS: Record<string, string> = { trusted: '#2e7d32', user: '#1565c0', untrusted: '#e65100' };

/**
 * A self-contained HTML report of a payload: one row per block with a budget
 * bar (tokens sent, and tokens before truncation as a ghost) coloured by
 * trust, the sources, the findings with decoded hidden text, and the rendered
 * request. No scripts, no external resources (a CSP forbids both); every piece
 * of payload text is escaped.
 *
 * @example
 * await writeFile('report.html', renderHtmlReport(payload));
 */
export function renderHtmlReport(payload: Payload): string {
  checkPayloadShape(payload);
  const report = payload.report;
  const budget = Math.max(1, report.budget, report.requestTokens);
  const pct = (n: number) => `${Math.min(100, (Math.max(0, n) / budget) * 100).toFixed(2)}%`;
  const e = (v: unknown) => escapeHtml(String(v ?? ''));
  const manifest = payload.manifest as Partial<Payload['manifest']> | undefined;
  const rows = report.blocks.map((b: BlockReport) => {
    const colour = TRUST_COLOURS[b.trust] ?? '#616161';
    const findings = b.findings
      .map(
        (f) =>
          `<li class="sev-${e(f.severity)}"><b>${e(f.severity)}</b> ${e(f.kind)} @${e(f.start)}–${e(f.end)}: ${e(f.message)}${
            f.decoded === undefined ? '' : ` — decoded: <code>${e(JSON.stringify(f.decoded))}</code>`
          }</li>`,
      )
      .join('');
    return `<tr class="status-${e(b.status)}">
<td><code title="${e(b.id)}">${e(b.id.slice(0, 12))}</code></td><td>${e(b.kind)}</td>
<td><span class="trust" style="background:${colour}">${e(b.trust)}</span></td><td>${e(b.source)}</td>
<td class="num">${e(b.tokensBefore)} → ${e(b.tokensAfter)}</td>
<td>${e(b.status)}${b.reason === undefined ? '' : `<div class="reason">${e(b.reason)}</div>`}${
      b.transforms.length === 0 ? '' : `<div class="reason">transforms: ${e(b.transforms.join(', '))}</div>`
    }</td>
<td class="bar-cell"><div class="bar" role="img" aria-label="${e(b.tokensAfter)} of ${e(budget)} tokens">
<div class="ghost" style="width:${pct(b.tokensBefore)}"></div><div class="fill" style="width:${pct(b.tokensAfter)};background:${colour}"></div></div></td>
</tr>${findings === '' ? '' : `<tr class="findings"><td></td><td colspan="6"><ul>${findings}</ul></td></tr>`}`;
  });
  const findingCount = report.blocks.reduce((n, b) => n + b.findings.length, 0);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ctxpack payload report — ${e(report.tenant)} · ${e(report.target)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#212121;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 .3rem}.meta{color:#555;margin-bottom:1rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.35rem .5rem;border-bottom:1px solid #e0e0e0;text-align:left;vertical-align:top}
th{background:#eeeeee;font-weight:600}.num{white-space:nowrap;text-align:right}
.trust{color:#fff;border-radius:3px;padding:0 .4rem;font-size:.85em}
.bar-cell{width:30%}.bar{position:relative;height:14px;background:#f0f0f0;border-radius:3px;overflow:hidden}
.bar .ghost{position:absolute;inset:0 auto 0 0;background:repeating-linear-gradient(45deg,#ccc 0 4px,#e8e8e8 4px 8px)}
.bar .fill{position:absolute;inset:0 auto 0 0}
.status-dropped td{color:#9e9e9e}.reason{font-size:.85em;color:#757575}
.findings ul{margin:0;padding-left:1.2rem}.sev-high{color:#b71c1c}.sev-medium{color:#e65100}.sev-low{color:#555}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;border-radius:2px;vertical-align:middle}
pre{background:#fff;border:1px solid #e0e0e0;padding:1rem;overflow:auto;white-space:pre-wrap;word-break:break-word}
</style>
</head>
<body>
<h1>ctxpack payload report</h1>
<div class="meta">target <b>${e(report.target)}</b> · tenant <b>${e(report.tenant)}</b> · audience <b>${e(report.audience)}</b> ·
<b>${e(report.requestTokens)}</b> / ${e(report.budget)} tokens · ${e(report.blocks.length)} blocks · ${e(findingCount)} findings${
    manifest?.issuedAt === undefined
      ? ''
      : ` · issued ${e(manifest.issuedAt)} · expires ${e(manifest.expiresAt)}`
  }<br>signed by ${e(payload.envelope?.signatures?.map((s) => s.keyid).join(', ') ?? 'nobody')} (unverified — run <code>ctxpack verify</code>)</div>
<div class="legend">${Object.entries(TRUST_COLOURS)
    .map(([t, c]) => `<span><i style="background:${c}"></i>${e(t)}</span>`)
    .join('')}<span><i style="background:#ccc"></i>before truncation</span></div>
<table>
<thead><tr><th>block</th><th>kind</th><th>trust</th><th>source</th><th>tokens</th><th>status</th><th>share of the ${e(budget)}-token budget</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<h2>Request sent to the model</h2>
<pre>${e(JSON.stringify(payload.request, null, 2))}</pre>
</body>
</html>
`;
}

/** The fields the report reads, with their types: a wrong argument is a typed error, not a crash mid-render. */
function checkPayloadShape(payload: unknown): void {
  const bad = (path: string, expected: string, value: unknown): never => {
    throw new InvalidArgumentError({ path, expected, value });
  };
  if (!isRecord(payload)) bad('payload', 'a Payload object', payload);
  const report = (payload as Record<string, unknown>)['report'];
  if (!isRecord(report)) bad('payload.report', 'an AssemblyReport object', report);
  const blocks = (report as Record<string, unknown>)['blocks'];
  if (!Array.isArray(blocks)) bad('payload.report.blocks', 'an array', blocks);
  (blocks as unknown[]).forEach((b: unknown, i) => {
    if (!isRecord(b)) bad(`payload.report.blocks[${i}]`, 'an object', b);
    const block = b as Record<string, unknown>;
    if (typeof block['id'] !== 'string') bad(`payload.report.blocks[${i}].id`, 'a string', block['id']);
    if (!Array.isArray(block['findings']))
      bad(`payload.report.blocks[${i}].findings`, 'an array', block['findings']);
  });
}
