import type { FindingSummary } from '@ctxpack/escape';
import { scan } from '@ctxpack/escape';
import { InvalidMcpInputError, scanTools } from '@ctxpack/mcp';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { createPaint, formatTable, visible } from './cli-io.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';
import { parseJsonInput, readInput } from './read-input.js';
import { runScanRules } from './scan-rules-command.js';

export const SCAN_HELP = `Usage: ctxpack scan [file|-] [--json] [--tools]

Scans text for hidden Unicode (tag-character, variation-selector and
sneaky-bits smuggling, bidi controls, zero-width characters), chat special
tokens, injection phrases and secrets. Reads standard input when the file is
'-' or left out.

Options:
  --json     print the findings as JSON
  --tools    the input is an MCP tool list (JSON: an array of tools or
             { "tools": [...] }); scan every definition, schemas included
  --rules    the inputs are skills/rules files (SKILL.md, AGENTS.md, …);
             see 'ctxpack scan --rules --help'
  -h, --help show this help

Exit status: 0 no high-severity finding, 1 at least one (counted over every
finding, also those beyond the listed ones), 2 usage or input error.`;

interface Row {
  severity: string;
  kind: string;
  where: string;
  message: string;
  decoded?: string;
}

/** `ctxpack scan`: a findings table, exit 1 on a high-severity finding. */
export async function runScan(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes('--rules')) return runScanRules(args, io);
  const { values, positionals } = parseCommandArgs('scan', args, {
    json: { type: 'boolean' },
    tools: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(`${SCAN_HELP}\n`);
    return 0;
  }
  if (positionals.length > 1) expectPositionals('scan', positionals, ['file']);
  const file = positionals[0] ?? '-';
  const text = await readInput(io, file, 'scan');
  const result = values['tools'] === true ? scanToolList(text, file) : scanText(text);
  const { rows } = result;
  // The exit code follows the true highest severity, counted over every
  // finding before any cap: listed rows are capped, most severe first.
  const high = result.highest === 'high';

  if (values['json'] === true) {
    const summary = { highest: result.highest, counts: result.counts, omitted: result.omitted };
    io.stdout.write(`${JSON.stringify({ file, findings: rows, high, ...summary }, null, 2)}\n`);
    return high ? 1 : 0;
  }
  const paint = createPaint(io);
  if (result.highest === 'none') {
    io.stdout.write(`${paint('green', '✓')} ${file}: no findings\n`);
    return 0;
  }
  const colourOf = (s: string) => (s === 'high' ? 'red' : s === 'medium' ? 'yellow' : 'dim');
  const table = formatTable(
    ['severity', 'kind', 'where', 'message'],
    rows.map((r) => [
      r.severity,
      r.kind,
      r.where,
      visible(r.message + (r.decoded === undefined ? '' : ` — decoded: ${JSON.stringify(r.decoded)}`), 120),
    ]),
  );
  const [header, rule, ...body] = table;
  io.stdout.write(`${paint('bold', header ?? '')}\n${rule}\n`);
  body.forEach((line, i) => {
    const severity = rows[i]?.severity ?? 'low';
    io.stdout.write(
      `${paint(colourOf(severity), line.slice(0, severity.length))}${line.slice(severity.length)}\n`,
    );
  });
  const total = result.counts.high + result.counts.medium + result.counts.low;
  const counts = SEVERITIES.map((s) => `${result.counts[s]} ${s}`).join(', ');
  const omitted = SEVERITIES.filter((s) => result.omitted[s] > 0).map((s) => `${result.omitted[s]} ${s}`);
  const notListed = omitted.length === 0 ? '' : ` (not listed: ${omitted.join(', ')})`;
  io.stdout.write(`${total} finding(s) in ${file}: ${counts}${notListed}\n`);
  return high ? 1 : 0;
}

const SEVERITIES = ['high', 'medium', 'low'] as const;

/** The rows to print and the summary of every finding (see `capFindings`). */
interface ScanRows extends FindingSummary {
  rows: Row[];
}

function scanText(text: string): ScanRows {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const position = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return `${lo + 1}:${offset - (lineStarts[lo] as number) + 1}`;
  };
  const { findings, ...summary } = scan(text);
  const rows = findings.map((f) => ({
    severity: f.severity,
    kind: f.kind,
    where: position(f.start),
    message: f.message,
    ...(f.decoded === undefined ? {} : { decoded: f.decoded }),
  }));
  return { rows, ...summary };
}

function scanToolList(text: string, file: string): ScanRows {
  const value = parseJsonInput(text, file, 'an MCP tool list');
  const tools = Array.isArray(value) ? value : (value as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(tools)) {
    throw new CliError({
      code: 'cli_input',
      message: `${file} is not an MCP tool list; expected [...] or { "tools": [...] }.`,
    });
  }
  try {
    const { findings, highest, counts, omitted, omittedFindings } = scanTools(tools);
    const rows = findings.map((f) => ({
      severity: f.severity,
      kind: f.kind,
      where: `${f.tool}:${f.path || '(tool)'}@${f.start}`,
      message: f.message,
      ...(f.decoded === undefined ? {} : { decoded: f.decoded }),
    }));
    return { rows, highest, counts, omitted, omittedFindings };
  } catch (cause) {
    if (!InvalidMcpInputError.isInstance(cause)) throw cause;
    throw new CliError({
      code: 'cli_input',
      message: `${file}: ${cause.message}; fix the tool list.`,
      cause,
    });
  }
}
