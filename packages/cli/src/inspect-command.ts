import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { createPaint, formatTable, visible } from './cli-io.js';
import { renderHtmlReport } from './html-report.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';
import { readPayload } from './read-payload.js';

export const INSPECT_HELP = `Usage: ctxpack inspect <payload.json> [--html out.html] [--json]

Shows what a payload holds: each block's kind, trust, source, tokens before
and after fitting, truncation or drop, and the sanitizer's findings (with
decoded hidden text). Reads the payload's own report; it does not verify the
signature — use 'ctxpack verify' for that.

Options:
  --html file  also write a self-contained HTML report with a budget bar per
               block, coloured by trust
  --json       print the block reports as JSON
  -h, --help   show this help`;

/** `ctxpack inspect`: the assembly report as a table, optionally as HTML. */
export async function runInspect(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('inspect', args, {
    html: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(`${INSPECT_HELP}\n`);
    return 0;
  }
  expectPositionals('inspect', positionals, ['payload.json']);
  const file = positionals[0] as string;
  const payload = await readPayload(io, file, 'inspect', ['request', 'envelope', 'report']);
  const { report } = payload;

  const htmlFile = values['html'] as string | undefined;
  if (htmlFile !== undefined) {
    const path = resolve(io.cwd, htmlFile);
    try {
      await writeFile(path, renderHtmlReport(payload));
    } catch (cause) {
      const code = (cause as { code?: string }).code ?? String(cause);
      throw new CliError({
        code: 'cli_input',
        message: `cannot write ${htmlFile}: ${code}. Pick a writable path for --html.`,
        cause,
      });
    }
  }
  if (values['json'] === true) {
    io.stdout.write(`${JSON.stringify({ ...report, budgetReport: undefined }, null, 2)}\n`);
    return 0;
  }
  const paint = createPaint(io);
  const trustColour = { trusted: 'green', user: 'blue', untrusted: 'yellow' } as const;
  io.stdout.write(
    `${paint('bold', `${file}`)}: target ${visible(String(report.target))} · tenant ${visible(String(report.tenant))} · ` +
      `audience ${visible(String(report.audience))} · ${report.requestTokens}/${report.budget} tokens · ` +
      `${report.blocks.length} blocks · ${payload.leaves?.length ?? 0} signed leaves\n`,
  );
  if (payload.manifest?.expiresAt !== undefined) {
    io.stdout.write(
      `issued ${payload.manifest.issuedAt} · expires ${payload.manifest.expiresAt} (unverified)\n`,
    );
  }
  const lines = formatTable(
    ['block', 'kind', 'trust', 'source', 'tokens', 'status', 'findings'],
    report.blocks.map((b) => [
      visible(b.id, 12),
      visible(String(b.kind)),
      visible(String(b.trust)),
      visible(String(b.source), 36),
      `${b.tokensBefore}→${b.tokensAfter}`,
      visible(b.status + (b.reason === undefined ? '' : ` (${b.reason})`), 60),
      String(b.findings.length),
    ]),
  );
  const [header, rule, ...body] = lines;
  io.stdout.write(`${paint('bold', header ?? '')}\n${rule}\n`);
  body.forEach((line, i) => {
    const trust = report.blocks[i]?.trust as keyof typeof trustColour;
    const colour = trustColour[trust];
    io.stdout.write(`${colour === undefined ? line : line.replace(trust, paint(colour, trust))}\n`);
  });
  for (const b of report.blocks) {
    for (const f of b.findings) {
      const decoded = f.decoded === undefined ? '' : ` — decoded: ${JSON.stringify(f.decoded)}`;
      const sev = f.severity === 'high' ? paint('red', f.severity) : f.severity;
      io.stdout.write(
        `  ! ${visible(b.id, 12)} [${sev}] ${visible(f.kind)} @${f.start}-${f.end}: ${visible(f.message + decoded, 160)}\n`,
      );
    }
  }
  if (htmlFile !== undefined) io.stdout.write(`HTML report written to ${htmlFile}\n`);
  return 0;
}
