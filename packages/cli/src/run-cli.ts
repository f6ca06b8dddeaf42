import { CtxpackError, InvalidArgumentError } from 'ctxpack';
import { AUDIT_HELP, runAudit } from './audit-command.js';
import { BENCH_HELP, runBench } from './bench-command.js';
import { CHECK_RESPONSE_HELP, runCheckResponse } from './check-response-command.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { readCliVersion } from './cli-version.js';
import { GATEWAY_HELP, runGateway } from './gateway-command.js';
import { INSPECT_HELP, runInspect } from './inspect-command.js';
import { KEYGEN_HELP, runKeygen } from './keygen-command.js';
import { MCP_PROXY_HELP, runMcpProxy } from './mcp-proxy-command.js';
import { runScan, SCAN_HELP } from './scan-command.js';
import { runVerify, VERIFY_HELP } from './verify-command.js';

export const MAIN_HELP = `Usage: ctxpack <command> [options]

Commands:
  scan [file|-]                    find hidden Unicode, special tokens, injection and secrets in text
  check-response <response.json>   check model output against its payload (--payload): exfiltration URLs, leaks
  keygen                           write an Ed25519 signing key pair (secret key mode 0600)
  inspect <payload.json>           show blocks, trust, sources, tokens, truncation and findings (--html)
  verify <payload.json> --key pub  verify a signed payload, or say exactly why not
  audit verify <log>               check a hash-chained audit log (or --redis URL --stream KEY)
  gateway --config gateway.json    run the verifying guardrail service (LiteLLM, Kong, POST /verify)
  mcp-proxy --pins f -- <cmd…>     a scanning, pinning, sanitizing stdio proxy in front of an MCP server
  bench <request.json>             fit a request to budgets (--budgets 8k,32k,128k): ctxpack vs installed peers

Run 'ctxpack <command> --help' for a command's options.`;

const commands: Record<
  string,
  { run: (args: readonly string[], io: CliIo) => Promise<number>; help: string }
> = {
  scan: { run: runScan, help: SCAN_HELP },
  'check-response': { run: runCheckResponse, help: CHECK_RESPONSE_HELP },
  keygen: { run: runKeygen, help: KEYGEN_HELP },
  inspect: { run: runInspect, help: INSPECT_HELP },
  verify: { run: runVerify, help: VERIFY_HELP },
  audit: { run: runAudit, help: AUDIT_HELP },
  gateway: { run: runGateway, help: GATEWAY_HELP },
  'mcp-proxy': { run: runMcpProxy, help: MCP_PROXY_HELP },
  bench: { run: runBench, help: BENCH_HELP },
};

/**
 * Runs one CLI invocation and resolves to its exit status: 0 success, 1 the
 * checked thing is bad (high finding, not verified, broken log), 2 usage or
 * input error. Errors are written to `io.stderr` as one line that says what to do.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), nodeIo);
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // Without a writable io there is nowhere to report to: these reject.
  const writable = (w: unknown) => typeof (w as { write?: unknown } | null)?.write === 'function';
  if (typeof io !== 'object' || io === null || !writable(io.stdout) || !writable(io.stderr)) {
    throw new InvalidArgumentError({
      path: 'io',
      expected: 'a CliIo with stdout.write and stderr.write',
      value: io,
    });
  }
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
    throw new InvalidArgumentError({ path: 'argv', expected: 'an array of strings', value: argv });
  }
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? rest[0] : undefined;
      io.stdout.write(`${topic !== undefined && commands[topic] ? commands[topic].help : MAIN_HELP}\n`);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(`${readCliVersion()}\n`);
      return 0;
    }
    const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (command === undefined) {
      throw new CliError({
        code: 'cli_usage',
        message: `unknown command '${name}'. Run 'ctxpack --help' for the list of commands.`,
      });
    }
    return await command.run(rest, io);
  } catch (error) {
    if (CliError.isInstance(error)) {
      io.stderr.write(`ctxpack: ${oneLine(error.message)}\n`);
      return error.exitCode;
    }
    const code = CtxpackError.isInstance(error) ? ` [${error.code}]` : '';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(
      `ctxpack: unexpected error${code}: ${oneLine(message)}. Please report it with the command you ran.\n`,
    );
    return 70;
  }
}

// Bounded before the regex runs, and `\s+` cannot backtrack: linear in the
// (already capped) input. `\s*\n\s*` was quadratic on long runs of spaces.
function oneLine(text: string): string {
  return text.slice(0, 2000).replace(/\s+/g, ' ');
}
