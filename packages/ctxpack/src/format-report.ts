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
    escapeControls(
      `target ${report.target} · tenant ${report.tenant} · audience ${report.audience} · ` +
        `${report.requestTokens}/${report.budget} tokens`,
    ),
  );
  const rows = report.blocks.map((b) =>
    [
      b.id.slice(0, 12),
      b.kind,
      b.trust,
      b.source.slice(0, 28),
      b.countedPartially && b.tokensBefore === 0
        ? `?→${b.tokensAfter}`
        : `${b.countedPartially ? '≥' : ''}${b.tokensBefore}→${b.tokensAfter}`,
      b.status + (b.reason === undefined ? '' : ` (${b.reason})`),
    ].map(escapeControls),
  );
  const header = ['block', 'kind', 'trust', 'source', 'tokens', 'status'];
  // A loop, not Math.max(...rows): the number of blocks is the caller's.
  const widths = header.map((h, i) => {
    let w = h.length;
    for (const r of rows) w = Math.max(w, (r[i] ?? '').length);
    return w;
  });
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
        escapeControls(
          `  ! ${b.id.slice(0, 12)} [${f.severity}] ${f.kind} @${f.start}-${f.end}: ${f.message}${decoded}`,
        ),
      );
    }
  }
  return lines.join('\n');
}

/**
 * C0 controls but the line feed, DEL, C1 (ESC, BEL, CSI …) and bidi controls
 * as visible escapes (`\x1b`, `\u202e`): block sources, ids, reasons and
 * findings are third-party text, and a raw ESC or RLO would let them recolour,
 * retitle or reorder the terminal that prints the report.
 */
function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Bidi_Control}]/gu, (c) => {
    const cp = c.charCodeAt(0);
    return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}
