import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ProxyEvent, ProxyListKind, ProxyPins } from '@ctxpack/mcp';
import {
  approvePending,
  createProxyFilter,
  createProxyPins,
  InvalidMcpInputError,
  PROXY_LIST_KINDS,
  parseProxyPins,
} from '@ctxpack/mcp';
import { auditLineHash, createAuditLog } from '@ctxpack/provenance';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { visible } from './cli-io.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';

export const MCP_PROXY_HELP = `Usage: ctxpack mcp-proxy --pins pins.json [--audit audit.jsonl] -- <command> [args…]
       ctxpack mcp-proxy approve --pins pins.json [--kind tools|prompts|resources] <name>
       ctxpack mcp-proxy pending --pins pins.json

A stdio MCP server to put in a host's configuration in front of any stdio MCP
server. It starts <command>, relays JSON-RPC both ways, and:
  - scans and pins tools/list, prompts/list and resources/list: poisoned
    (a high finding), added or changed entries are withheld from the host and
    reported on stderr; the first list of each kind is pinned on first use
  - refuses calls to withheld tools without reaching the server
  - sanitizes every tool result as untrusted text before the host sees it
  - lists again on notifications/*/list_changed, so a rug pull is reported
  - declines elicitation requests with high findings (e.g. a password form)
  - appends one hash-chained audit record per tool call
    (check it with 'ctxpack audit verify <log>')

Options:
  --pins file    the pin file (created on first run)
  --audit file   the audit log (default: the pin file with .audit.jsonl)
  --known name   a tool of the host's other servers (repeatable), for shadowing
  --kind kind    with approve: the list the name is in (default tools)
  -h, --help     show this help

Exit status: the server's exit status; 2 usage or input error.`;

const MAX_LINE_CHARS = 64 * 1024 * 1024;

/** `ctxpack mcp-proxy`: the proxy, or its `approve` and `pending` subcommands. */
export async function runMcpProxy(args: readonly string[], io: CliIo): Promise<number> {
  const split = args.indexOf('--');
  const own = split === -1 ? args : args.slice(0, split);
  const command = split === -1 ? [] : args.slice(split + 1);
  const { values, positionals } = parseCommandArgs('mcp-proxy', own, {
    pins: { type: 'string' },
    audit: { type: 'string' },
    kind: { type: 'string' },
    known: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(`${MCP_PROXY_HELP}\n`);
    return 0;
  }
  const pinsFile = values['pins'];
  if (typeof pinsFile !== 'string') {
    throw new CliError({
      code: 'cli_usage',
      message: "--pins <file> is required. Run 'ctxpack mcp-proxy --help'.",
    });
  }
  const pinsPath = resolve(io.cwd, pinsFile);
  if (positionals[0] === 'approve') {
    expectPositionals('mcp-proxy approve', positionals.slice(1), ['name']);
    const kind = (values['kind'] ?? 'tools') as string;
    if (!PROXY_LIST_KINDS.includes(kind as ProxyListKind)) {
      throw new CliError({ code: 'cli_usage', message: '--kind must be tools, prompts or resources.' });
    }
    const name = positionals[1] as string;
    try {
      writePins(pinsPath, approvePending(readPins(pinsPath), kind as ProxyListKind, name));
    } catch (cause) {
      if (!InvalidMcpInputError.isInstance(cause)) throw cause;
      throw new CliError({
        code: 'cli_input',
        message: `cannot approve ${kind} ${name}: ${cause.message}`,
        cause,
      });
    }
    io.stdout.write(
      `approved ${kind} ${visible(name)}: the proxy passes its current definition from now on\n`,
    );
    return 0;
  }
  if (positionals[0] === 'pending') {
    expectPositionals('mcp-proxy pending', positionals.slice(1), []);
    const pins = readPins(pinsPath);
    for (const entry of Object.values(pins.pending)) {
      io.stdout.write(
        `${entry.kind} ${visible(entry.key)}: ${entry.reason} (${entry.seenAt})${entry.details.length > 0 ? ` — ${visible(entry.details.join('; '), 400)}` : ''}\n`,
      );
    }
    return 0;
  }
  if (positionals.length > 0) expectPositionals('mcp-proxy', positionals, []);
  if (command.length === 0) {
    throw new CliError({
      code: 'cli_usage',
      message:
        "give the server command after '--', e.g. ctxpack mcp-proxy --pins pins.json -- npx some-server",
    });
  }
  const auditPath = resolve(
    io.cwd,
    (values['audit'] as string | undefined) ?? pinsFile.replace(/\.json$/, '') + '.audit.jsonl',
  );
  return proxy(command, io, {
    pinsPath,
    auditPath,
    known: (values['known'] as string[] | undefined) ?? [],
  });
}

function readPins(path: string): ProxyPins {
  if (!existsSync(path)) return createProxyPins();
  try {
    return parseProxyPins(JSON.parse(readFileSync(path, 'utf8')));
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new CliError({ code: 'cli_input', message: `${path} is not a pin file: ${why}`, cause });
  }
}

// Written to a temporary file and renamed, so a crash never leaves half a pin file.
function writePins(path: string, pins: ProxyPins): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(pins, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

function lastAuditHash(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const last = lines[lines.length - 1];
  return last === undefined ? undefined : auditLineHash(last);
}

function describe(event: ProxyEvent): string {
  switch (event.type) {
    case 'pinned':
      return `pinned ${event.keys.length} ${event.kind} on first use: ${event.keys.join(', ')}`;
    case 'withheld':
      return `WITHHELD ${event.kind} ${event.key} (${event.reason})${event.details.length > 0 ? `: ${event.details.join('; ')}` : ''}; approve with 'ctxpack mcp-proxy approve --kind ${event.kind} ${event.key}'`;
    case 'sanitized':
      return `sanitized the result of ${event.tool}: ${event.findings} finding(s), highest ${event.highest} (${event.kinds.join(', ')})`;
    case 'blocked-call':
      return `blocked a call to the withheld tool ${event.tool}`;
    case 'list-changed':
      return `the server changed its ${event.kind} list; checking it again`;
    case 'elicitation-declined':
      return `declined an elicitation request: ${event.details.join('; ')}`;
    case 'error':
      return event.message;
  }
}

async function proxy(
  command: readonly string[],
  io: CliIo,
  paths: { pinsPath: string; auditPath: string; known: string[] },
): Promise<number> {
  const pins = readPins(paths.pinsPath);
  let head: string | undefined;
  try {
    head = lastAuditHash(paths.auditPath);
  } catch (cause) {
    throw new CliError({
      code: 'cli_input',
      message: `${paths.auditPath} does not end in an audit record`,
      cause,
    });
  }
  const audit = createAuditLog({
    write: (line: string) => appendFile(paths.auditPath, `${line}\n`, { mode: 0o600 }),
    ...(head === undefined ? {} : { head }),
  });
  const report = (text: string) => io.stderr.write(`ctxpack mcp-proxy: ${visible(text, 2000)}\n`);
  const filter = createProxyFilter({
    pins,
    audit,
    knownTools: paths.known,
    onPinsChanged: (next) => writePins(paths.pinsPath, next),
    onEvent: (event) => report(describe(event)),
  });

  const child = spawn(command[0] as string, command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const send = (stream: NodeJS.WritableStream, message: unknown) => {
    stream.write(`${JSON.stringify(message)}\n`);
  };
  // One queue per direction keeps messages in order while the filter awaits the audit log.
  let hostQueue: Promise<void> = Promise.resolve();
  let serverQueue: Promise<void> = Promise.resolve();
  const route = async (out: { toServer: unknown[]; toHost: unknown[] }) => {
    for (const m of out.toServer) send(child.stdin, m);
    for (const m of out.toHost) send(process.stdout, m);
  };
  const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void, name: string) => {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line.trim() !== '') onLine(line);
        newline = buffer.indexOf('\n');
      }
      if (buffer.length > MAX_LINE_CHARS) {
        report(`a message from the ${name} is longer than ${MAX_LINE_CHARS} characters; dropped`);
        buffer = '';
      }
    });
  };
  // Each message is parsed, filtered and routed after the previous one from the same side.
  const relay = (from: 'host' | 'server', handle: (message: unknown) => Promise<void>) => (line: string) => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      report(`dropped a line from the ${from} that is not JSON-RPC`);
      return;
    }
    const next = (from === 'host' ? hostQueue : serverQueue)
      .then(() => handle(message))
      .catch((e: unknown) => {
        report(String(e));
      });
    if (from === 'host') hostQueue = next;
    else serverQueue = next;
  };
  lines(
    process.stdin,
    relay('host', (m) => filter.fromHost(m).then(route)),
    'host',
  );
  lines(
    child.stdout,
    relay('server', (m) => filter.fromServer(m).then(route)),
    'server',
  );
  process.stdin.on('end', () => {
    void hostQueue.then(() => child.stdin.end());
  });
  return new Promise<number>((done) => {
    child.on('error', (error) => {
      report(`cannot start ${command[0]}: ${error.message}`);
      done(2);
    });
    child.on('exit', (code, signal) => {
      void Promise.all([hostQueue, serverQueue]).then(() => {
        process.stdin.destroy();
        done(code ?? (signal === null ? 0 : 1));
      });
    });
  });
}
