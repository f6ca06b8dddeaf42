import type { Payload } from 'ctxpack';
import { checkResponse, InvalidArgumentError } from 'ctxpack';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { createPaint, formatTable, visible } from './cli-io.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';
import { parseJsonInput, readInput } from './read-input.js';
import { readPayload } from './read-payload.js';

export const CHECK_RESPONSE_HELP = `Usage: ctxpack check-response <response.json|file|-> [--payload payload.json]
                              [--allow-host host]... [--json]

Checks model output against the payload it answers: images and links to
hosts that are not allowed, URLs that carry untrusted, secret or pii context
(also base64/hex/URL-encoded or split across parameters and subdomains), the
boundary nonce, the boundary notice or the system prompt repeated, secrets,
special tokens and hidden Unicode. The response is an OpenAI chat completion
or Responses response, an Anthropic message, an AI SDK result (JSON) or plain
text. Reads standard input when the file is '-' or left out.

Options:
  --payload <file>     the ctxpack payload the response answers (taint, nonce, system prompt)
  --allow-host <host>  a host URLs may point to (repeatable; *.example.com for subdomains)
  --json               print the findings and the redacted text as JSON
  -h, --help           show this help

Exit status: 0 no high-severity finding, 1 at least one, 2 usage or input error.`;

/** `ctxpack check-response`: a findings table like `scan`, exit 1 on a high-severity finding. */
export async function runCheckResponse(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('check-response', args, {
    payload: { type: 'string' },
    'allow-host': { type: 'string', multiple: true },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(`${CHECK_RESPONSE_HELP}\n`);
    return 0;
  }
  if (positionals.length > 1) expectPositionals('check-response', positionals, ['response.json']);
  const file = positionals[0] ?? '-';
  const raw = await readInput(io, file, 'check-response');
  const trimmed = raw.trimStart();
  const output = trimmed.startsWith('{') ? parseJsonInput(raw, file, 'a provider response or text') : raw;
  const payloadFile = values['payload'];
  const payload =
    typeof payloadFile === 'string'
      ? await readPayload(io, payloadFile, 'check-response', ['request', 'report'])
      : undefined;
  const allowHosts = (values['allow-host'] as string[] | undefined) ?? [];
  let result: ReturnType<typeof checkResponse>;
  try {
    result = checkResponse(output, {
      allowHosts,
      // The CLI reports; it never throws on a finding.
      actions: { default: 'report' },
      ...(payload === undefined ? {} : { payload: payload as Payload }),
    });
  } catch (cause) {
    if (!InvalidArgumentError.isInstance(cause)) throw cause;
    throw new CliError({ code: 'cli_input', message: `${file}: ${cause.message}.`, cause });
  }
  const rows = result.findings;
  const high = result.highest === 'high';
  if (values['json'] === true) {
    io.stdout.write(`${JSON.stringify({ file, findings: rows, high }, null, 2)}\n`);
    return high ? 1 : 0;
  }
  const paint = createPaint(io);
  if (rows.length === 0) {
    io.stdout.write(`${paint('green', '✓')} ${file}: no findings\n`);
    return 0;
  }
  const colourOf = (s: string) => (s === 'high' ? 'red' : s === 'medium' ? 'yellow' : 'dim');
  const table = formatTable(
    ['severity', 'kind', 'where', 'message'],
    rows.map((r) => [
      r.severity,
      r.kind,
      `${r.start}-${r.end}`,
      visible(r.message + (r.blockIds.length === 0 ? '' : ` — blocks: ${r.blockIds.join(', ')}`), 120),
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
  const counts = ['high', 'medium', 'low']
    .map((s) => `${rows.filter((r) => r.severity === s).length} ${s}`)
    .join(', ');
  io.stdout.write(`${rows.length} finding(s) in ${file}: ${counts}\n`);
  return high ? 1 : 0;
}
