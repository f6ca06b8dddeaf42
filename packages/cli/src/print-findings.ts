import { createLineIndex } from '@ctxpack/block/kernel';
import type { FindingSummary, Severity } from '@ctxpack/escape';
import type { CliIo } from './cli-io.js';
import { createPaint, formatTable, visible } from './cli-io.js';

/** Most findings a command lists; the summary line still counts every one. */
export const MAX_LISTED_FINDINGS = 1000;

/** One printed row of a findings table; `message` already carries any detail. */
export interface FindingRow {
  severity: Severity;
  kind: string;
  where: string;
  message: string;
}

const SEVERITIES = ['high', 'medium', 'low'] as const;

/**
 * Prints `✓ file: no findings`, or a table (severity coloured on a TTY) and a
 * summary line with the counts of every finding, naming the ones not listed.
 */
export function printFindings(
  io: CliIo,
  file: string,
  rows: readonly FindingRow[],
  summary: FindingSummary,
): void {
  const paint = createPaint(io);
  if (summary.highest === 'none') {
    io.stdout.write(`${paint('green', '✓')} ${file}: no findings\n`);
    return;
  }
  const colourOf = (s: Severity) => (s === 'high' ? 'red' : s === 'medium' ? 'yellow' : 'dim');
  const table = formatTable(
    ['severity', 'kind', 'where', 'message'],
    rows.map((r) => [r.severity, r.kind, r.where, visible(r.message, 120)]),
  );
  const [header, rule, ...body] = table;
  io.stdout.write(`${paint('bold', header ?? '')}\n${rule}\n`);
  body.forEach((line, i) => {
    const severity = rows[i]?.severity ?? 'low';
    io.stdout.write(
      `${paint(colourOf(severity), line.slice(0, severity.length))}${line.slice(severity.length)}\n`,
    );
  });
  const { counts } = summary;
  const total = counts.high + counts.medium + counts.low;
  const listed = SEVERITIES.map((s) => `${counts[s]} ${s}`).join(', ');
  const omitted = SEVERITIES.filter((s) => summary.omitted[s] > 0).map((s) => `${summary.omitted[s]} ${s}`);
  const notListed = omitted.length === 0 ? '' : ` (not listed: ${omitted.join(', ')})`;
  io.stdout.write(`${total} finding(s) in ${file}: ${listed}${notListed}\n`);
}

/** Maps a UTF-16 offset of `text` to `line:column` (1-based), by binary search over line starts. */
export function createLineColumn(text: string): (offset: number) => string {
  const at = createLineIndex(text);
  return (offset) => {
    const { line, column } = at(offset);
    return `${line}:${column}`;
  };
}
