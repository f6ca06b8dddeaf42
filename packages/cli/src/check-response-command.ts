import { capFindings } from '@ctxpack/escape';
import type { CheckResponseResult, Payload } from 'ctxpack';
import { checkResponse, InvalidArgumentError, RESPONSE_ACTIONS, responseText } from 'ctxpack';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';
import { createLineColumn, MAX_LISTED_FINDINGS, printFindings } from './print-findings.js';
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
  let text: string;
  let result: CheckResponseResult;
  try {
    text = responseText(output);
    result = checkResponse(text, {
      allowHosts,
      // The default actions redact (for --json's text) but never block: the CLI reports.
      actions: { ...RESPONSE_ACTIONS, default: 'report' },
      ...(payload === undefined ? {} : { payload: payload as Payload }),
    });
  } catch (cause) {
    if (!InvalidArgumentError.isInstance(cause)) throw cause;
    const culprit = cause.path.startsWith('options.payload') ? payloadFile : file;
    const fix = culprit === file ? 'a provider response or text' : 'a payload written by ctxpack';
    throw new CliError({
      code: 'cli_input',
      message: `${culprit}: ${cause.message}; expected ${fix}.`,
      cause,
    });
  }
  // Listed findings are capped (the most severe are kept); the exit code and the
  // counts follow every finding.
  const { findings, ...summary } = capFindings(result.findings, MAX_LISTED_FINDINGS);
  const high = summary.highest === 'high';
  if (values['json'] === true) {
    const json = { file, findings, high, ...summary, text: result.text };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return high ? 1 : 0;
  }
  const position = createLineColumn(text);
  const rows = findings.map((f) => ({
    severity: f.severity,
    kind: f.kind,
    where: position(f.start),
    message: f.message + (f.blockIds.length === 0 ? '' : ` — blocks: ${f.blockIds.join(', ')}`),
  }));
  printFindings(io, file, rows, summary);
  return high ? 1 : 0;
}
