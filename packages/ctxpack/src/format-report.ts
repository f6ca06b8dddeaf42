import { assertArray, assertRecord, assertString } from '@ctxpack/block/kernel';
import type { AssemblyReport } from './payload.js';

/**
 * A plain-text table of an assembly: each block's trust, source, tokens before
 * and after, status, and findings with the decoded hidden text.
 *
 * @example
 * console.log(formatReport(payload.report));
 */
export function formatReport(report: AssemblyReport): string {
  assertRecord(report as unknown, 'report');
  assertArray(report.blocks, 'report.blocks');
  report.blocks.forEach((b, i) => {
    assertRecord(b as unknown, `report.blocks[${i}]`);
    assertString(b.id, `report.blocks[${i}].id`);
    assertString(b.source, `report.blocks[${i}].source`);
    assertArray(b.findings, `report.blocks[${i}].findings`);
  });
  const lines: string[] = [];
  lines.push(
    `target ${report.target} · tenant ${report.tenant} · audience ${report.audience} · ` +
      `${report.requestTokens}/${report.budget} tokens`,
  );
  const rows = report.blocks.map((b) => [
    b.id.slice(0, 12),
    b.kind,
    b.trust,
    b.source.slice(0, 28),
    b.countedPartially && b.tokensBefore === 0
      ? `?→${b.tokensAfter}`
      : `${b.countedPartially ? '≥' : ''}${b.tokensBefore}→${b.tokensAfter}`,
    b.status + (b.reason === undefined ? '' : ` (${b.reason})`),
  ]);
  const header = ['block', 'kind', 'trust', 'source', 'tokens', 'status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  lines.push(line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line));
  for (const b of report.blocks) {
    for (const f of b.findings) {
      const decoded = f.decoded === undefined ? '' : ` — decoded: ${JSON.stringify(f.decoded)}`;
      lines.push(
        `  ! ${b.id.slice(0, 12)} [${f.severity}] ${f.kind} @${f.start}-${f.end}: ${f.message}${decoded}`,
      );
    }
  }
  return lines.join('\n');
}
