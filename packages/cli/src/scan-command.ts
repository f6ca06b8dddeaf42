import type { FindingSummary, Severity } from '@ctxpack/escape';
import { scan } from '@ctxpack/escape';
import { InvalidMcpInputError, scanTools } from '@ctxpack/mcp';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';
import { createLineColumn, printFindings } from './print-findings.js';
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
  severity: Severity;
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
  printFindings(
    io,
    file,
    rows.map((r) => ({
      ...r,
      message: r.message + (r.decoded === undefined ? '' : ` — decoded: ${JSON.stringify(r.decoded)}`),
    })),
    result,
  );
  return high ? 1 : 0;
}

/** The rows to print and the summary of every finding (see `capFindings`). */
interface ScanRows extends FindingSummary {
  rows: Row[];
}

function scanText(text: string): ScanRows {
  const position = createLineColumn(text);
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
