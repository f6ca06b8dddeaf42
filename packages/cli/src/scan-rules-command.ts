import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RulesFinding, RulesPins } from '@ctxpack/mcp';
import { diffRulesPins, InvalidMcpInputError, pinRulesFiles, scanRulesFile } from '@ctxpack/mcp';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { createPaint, formatTable, visible } from './cli-io.js';
import { parseCommandArgs } from './parse-command-args.js';
import { readInput } from './read-input.js';

export const SCAN_RULES_HELP = `Usage: ctxpack scan --rules <file…> [--pins rules.pins.json [--update-pins]] [--json]

Scans skills and rules files an agent loads as instructions (SKILL.md,
AGENTS.md, CLAUDE.md, .cursorrules, …) for text the rendered file hides —
HTML and markdown comments, elements styled invisible, invisible Unicode —
and for injection phrases, exfiltration orders and special tokens.

Options:
  --pins file     compare each file with its pinned digest; a changed or new
                  file is a high finding (the pin file is created on first use)
  --update-pins   accept the current files into the pin file
  --json          print the findings as JSON
  -h, --help      show this help

Exit status: 0 no high-severity finding, 1 at least one, 2 usage or input error.`;

/** `ctxpack scan --rules <files…>`. */
export async function runScanRules(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('scan', args, {
    rules: { type: 'boolean' },
    pins: { type: 'string' },
    'update-pins': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(`${SCAN_RULES_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    throw new CliError({
      code: 'cli_usage',
      message: "scan --rules needs at least one file. Run 'ctxpack scan --help'.",
    });
  }
  const files: { file: string; text: string }[] = [];
  for (const file of positionals) files.push({ file, text: await readInput(io, file, 'scan') });
  const findings: RulesFinding[] = [];
  try {
    for (const f of files)
      for (const finding of scanRulesFile(f.text, { file: f.file }).findings) findings.push(finding);
  } catch (cause) {
    if (!InvalidMcpInputError.isInstance(cause)) throw cause;
    throw new CliError({ code: 'cli_input', message: cause.message, cause });
  }
  const pinsFile = values['pins'] as string | undefined;
  if (pinsFile !== undefined) {
    const path = resolve(io.cwd, pinsFile);
    const update = values['update-pins'] === true || !existsSync(path);
    let pins: RulesPins = { version: 1, files: {} };
    if (existsSync(path)) {
      try {
        pins = JSON.parse(readFileSync(path, 'utf8')) as RulesPins;
        for (const change of diffRulesPins(pins, files)) {
          if (update) continue;
          findings.push({
            file: change.file,
            kind: `rules-${change.kind}`,
            severity: 'high',
            start: 0,
            end: 0,
            line: 1,
            column: 1,
            message: `${change.kind === 'added' ? 'not pinned yet' : 'changed since it was pinned'} (${change.after}); review it, then run with --update-pins`,
          });
        }
      } catch (cause) {
        throw new CliError({ code: 'cli_input', message: `${pinsFile} is not a rules pin file`, cause });
      }
    }
    if (update) {
      const next = pinRulesFiles(files);
      writeFileSync(
        path,
        `${JSON.stringify({ version: 1, files: { ...pins.files, ...next.files } }, null, 2)}\n`,
      );
    }
  }
  const high = findings.some((f) => f.severity === 'high');
  if (values['json'] === true) {
    io.stdout.write(`${JSON.stringify({ files: positionals, findings, high }, null, 2)}\n`);
    return high ? 1 : 0;
  }
  const paint = createPaint(io);
  if (findings.length === 0) {
    io.stdout.write(`${paint('green', '✓')} ${positionals.join(', ')}: no findings\n`);
    return 0;
  }
  const [header, rule, ...body] = formatTable(
    ['severity', 'kind', 'where', 'message'],
    findings.map((f) => [
      f.severity,
      f.kind,
      visible(`${f.file}:${f.line}:${f.column}`, 60),
      visible(f.message + (f.decoded === undefined ? '' : ` — decoded: ${JSON.stringify(f.decoded)}`), 120),
    ]),
  );
  io.stdout.write(`${paint('bold', header ?? '')}\n${rule}\n${body.join('\n')}\n`);
  const counts = ['high', 'medium', 'low'].map(
    (s) => `${findings.filter((f) => f.severity === s).length} ${s}`,
  );
  io.stdout.write(`${findings.length} finding(s): ${counts.join(', ')}\n`);
  return high ? 1 : 0;
}
