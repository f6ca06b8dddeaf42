import { isDigest } from '@ctxpack/block/kernel';
import { verifyAuditLog } from '@ctxpack/provenance';
import { verifyRedisAuditStream } from '@ctxpack/replay-redis';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { createPaint } from './cli-io.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';
import { readInput } from './read-input.js';

export const AUDIT_HELP = `Usage: ctxpack audit verify <log> [--head sha256:…] [--json]
       ctxpack audit verify --redis URL --stream KEY [--head sha256:…] [--json]

Checks a hash-chained audit log (JSON lines written by @ctxpack/provenance's
createAuditLog) and names the first record that was edited, dropped, inserted
or reordered.

Options:
  --head hash  the last hash you recorded elsewhere: also detects records cut off the end
  --redis URL  read the chain from a Redis Stream (written by @ctxpack/gateway) instead of a file
  --stream KEY the stream key, with --redis
  --json       print the result as JSON
  -h, --help   show this help

Exit status: 0 intact, 1 broken, 2 usage or input error.`;

/** `ctxpack audit verify <log>`. */
export async function runAudit(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('audit', args, {
    head: { type: 'string' },
    redis: { type: 'string' },
    stream: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(`${AUDIT_HELP}\n`);
    return 0;
  }
  if (positionals[0] !== 'verify') {
    const got = positionals[0] === undefined ? 'no subcommand' : `'${positionals[0]}'`;
    throw new CliError({
      code: 'cli_usage',
      message: `audit needs the subcommand 'verify', got ${got}. Run 'ctxpack audit --help'.`,
    });
  }
  const redis = values['redis'] as string | undefined;
  if (redis === undefined) expectPositionals('audit verify', positionals.slice(1), ['log']);
  else expectPositionals('audit verify', positionals.slice(1), []);
  const head = values['head'] as string | undefined;
  if (head !== undefined && !isDigest(head)) {
    throw new CliError({
      code: 'cli_usage',
      message: `--head must be sha256: followed by 64 lowercase hex digits.`,
    });
  }
  const stream = values['stream'] as string | undefined;
  if ((redis === undefined) !== (stream === undefined)) {
    throw new CliError({ code: 'cli_usage', message: '--redis and --stream go together.' });
  }
  const file = redis === undefined ? (positionals[1] as string) : `${redis} stream ${stream}`;
  const result =
    redis === undefined
      ? verifyAuditLog((await readInput(io, file, 'audit')).split('\n'), head === undefined ? {} : { head })
      : await verifyRedisAuditStream({
          url: redis,
          stream: stream as string,
          timeoutMs: 5_000,
          ...(head === undefined ? {} : { head }),
        }).catch((cause: unknown) => {
          throw new CliError({
            code: 'cli_input',
            message: `cannot read ${file}: ${(cause as Error).message}`,
            cause,
          });
        });
  const paint = createPaint(io);
  if (values['json'] === true) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.ok) {
    io.stdout.write(
      `${paint('green', '✓ audit log intact')} ${file}: ${result.count} records, head ${result.head}\n`,
    );
  } else {
    io.stdout.write(
      `${paint('red', '✗ audit log broken')} ${file}: record ${result.index} (line ${result.index + 1}): ${result.reason}\n`,
    );
  }
  return result.ok ? 0 : 1;
}
