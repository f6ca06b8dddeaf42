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
  mcpRequestHeaders,
  PROXY_LIST_KINDS,
  parseProxyPins,
} from '@ctxpack/mcp';
import { auditLineHash, createAuditLog } from '@ctxpack/provenance';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { visible } from './cli-io.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';

export const MCP_PROXY_HELP = `Usage: ctxpack mcp-proxy --pins pins.json [--audit audit.jsonl] -- <command> [args…]
       ctxpack mcp-proxy --pins pins.json --url https://host/mcp
       ctxpack mcp-proxy approve --pins pins.json [--kind tools|prompts|resources] <name>
       ctxpack mcp-proxy pending --pins pins.json

A stdio MCP server to put in a host's configuration in front of any stdio MCP
server (or a streamable-HTTP one with --url). It starts <command>, relays
JSON-RPC both ways, and:
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
  --url url      proxy a streamable-HTTP MCP endpoint instead of a command
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
    url: { type: 'string' },
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
  const urlText = values['url'] as string | undefined;
  let url: URL | undefined;
  if (urlText !== undefined) {
    url = URL.canParse(urlText) ? new URL(urlText) : undefined;
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || command.length > 0) {
      throw new CliError({
        code: 'cli_usage',
        message: '--url takes an http(s) URL of a streamable-HTTP MCP endpoint, and no command after --.',
      });
    }
  } else if (command.length === 0) {
    throw new CliError({
      code: 'cli_usage',
      message:
        "give the server command after '--' (or --url), e.g. ctxpack mcp-proxy --pins pins.json -- npx some-server",
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
    ...(url === undefined ? {} : { url }),
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
  paths: { pinsPath: string; auditPath: string; known: string[]; url?: URL },
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

  const upstream =
    paths.url === undefined
      ? stdioUpstream(command, report)
      : httpUpstream(paths.url, report, (name) =>
          Object.hasOwn(pins.tools, name) ? pins.tools[name]?.definition : undefined,
        );
  const send = (stream: NodeJS.WritableStream, message: unknown) => {
    stream.write(`${JSON.stringify(message)}\n`);
  };
  // One queue per direction keeps messages in order while the filter awaits the audit log.
  let hostQueue: Promise<void> = Promise.resolve();
  let serverQueue: Promise<void> = Promise.resolve();
  const route = async (out: { toServer: unknown[]; toHost: unknown[] }) => {
    for (const m of out.toServer) upstream.send(m);
    for (const m of out.toHost) send(process.stdout, m);
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
  readLines(
    process.stdin,
    relay('host', (m) => filter.fromHost(m).then(route)),
    () => report(`a message from the host is longer than ${MAX_LINE_CHARS} characters; dropped`),
  );
  upstream.start(relay('server', (m) => filter.fromServer(m).then(route)));
  process.stdin.on('end', () => {
    void hostQueue.then(() => upstream.end());
  });
  const code = await upstream.exited;
  await Promise.all([hostQueue, serverQueue]);
  process.stdin.destroy();
  return code;
}

/** The server side of the proxy: a child process over stdio, or a streamable-HTTP endpoint. */
interface Upstream {
  send(message: unknown): void;
  start(onLine: (line: string) => void): void;
  end(): void;
  exited: Promise<number>;
}

function readLines(
  stream: NodeJS.ReadableStream,
  onLine: (line: string) => void,
  onOverflow: () => void,
): void {
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
      onOverflow();
      buffer = '';
    }
  });
}

function stdioUpstream(command: readonly string[], report: (text: string) => void): Upstream {
  const child = spawn(command[0] as string, command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number>((done) => {
    child.on('error', (error) => {
      report(`cannot start ${command[0]}: ${error.message}`);
      done(2);
    });
    child.on('exit', (code, signal) => done(code ?? (signal === null ? 0 : 1)));
  });
  return {
    send: (message) => child.stdin.write(`${JSON.stringify(message)}\n`),
    start: (onLine) =>
      readLines(child.stdout, onLine, () =>
        report(`a message from the server is longer than ${MAX_LINE_CHARS} characters; dropped`),
      ),
    end: () => child.stdin.end(),
    exited,
  };
}

/**
 * Streamable HTTP (MCP 2025-06-18 and later): each message is POSTed; the
 * answer is JSON or an SSE stream; the session id and protocol version are
 * echoed; the 2026-07-28 `Mcp-Method`/`Mcp-Name`/`Mcp-Param-*` headers are
 * sent. A GET stream carries server notifications when the server offers one.
 */
function httpUpstream(
  url: URL,
  report: (text: string) => void,
  toolDefinition: (name: string) => unknown,
): Upstream {
  let onLine: (line: string) => void = () => undefined;
  let session: string | undefined;
  let protocolVersion: string | undefined;
  let listening = false;
  const pending = new Set<Promise<void>>();
  const listen = new AbortController();
  let finish: (code: number) => void = () => undefined;
  const exited = new Promise<number>((done) => {
    finish = done;
  });
  const baseHeaders = (): Record<string, string> => ({
    ...(session === undefined ? {} : { 'mcp-session-id': session }),
    ...(protocolVersion === undefined ? {} : { 'mcp-protocol-version': protocolVersion }),
  });
  const deliver = (text: string) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      report('dropped a response from the server that is not JSON');
      return;
    }
    for (const message of Array.isArray(value) ? value : [value]) {
      const result = (message as { result?: { protocolVersion?: unknown } } | null)?.result;
      if (typeof result?.protocolVersion === 'string') protocolVersion = result.protocolVersion;
      onLine(JSON.stringify(message));
    }
  };
  const readEvents = async (body: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let buffer = '';
    let data: string[] = [];
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      if (buffer.length > MAX_LINE_CHARS) throw new Error('an SSE event from the server is too long');
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') {
          if (data.length > 0) deliver(data.join('\n'));
          data = [];
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
        newline = buffer.indexOf('\n');
      }
    }
    if (data.length > 0) deliver(data.join('\n'));
  };
  const openListenStream = async () => {
    listening = true;
    try {
      const response = await fetch(url, {
        method: 'GET',
        headers: { accept: 'text/event-stream', ...baseHeaders() },
        signal: listen.signal,
      });
      if (response.ok && response.body !== null) await readEvents(response.body);
    } catch {
      // No GET stream (405, closed, aborted): notifications then arrive only within POST answers.
    }
  };
  const post = async (message: unknown) => {
    const record = (message ?? {}) as { id?: unknown; method?: unknown; params?: { name?: unknown } };
    const tool =
      record.method === 'tools/call' && typeof record.params?.name === 'string'
        ? toolDefinition(record.params.name)
        : undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...baseHeaders(),
          ...mcpRequestHeaders(message, tool),
        },
        body: JSON.stringify(message),
      });
      const id = response.headers.get('mcp-session-id');
      if (id !== null) session = id;
      const type = response.headers.get('content-type') ?? '';
      if (response.status === 202 || response.body === null) return;
      if (!response.ok && !type.includes('json')) throw new Error(`HTTP ${response.status}`);
      if (type.includes('text/event-stream')) await readEvents(response.body);
      else deliver(await response.text());
      if (record.method === 'initialize' && !listening) void openListenStream();
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      report(`the server at ${url.origin} did not answer: ${why}`);
      if (record.id !== undefined && record.method !== undefined) {
        onLine(
          JSON.stringify({
            jsonrpc: '2.0',
            id: record.id,
            error: { code: -32000, message: `upstream: ${why}` },
          }),
        );
      }
    }
  };
  return {
    send: (message) => {
      const run = post(message);
      pending.add(run);
      void run.finally(() => pending.delete(run));
    },
    start: (line) => {
      onLine = line;
    },
    end: () => {
      void Promise.all(pending).then(async () => {
        listen.abort();
        if (session !== undefined) {
          await fetch(url, { method: 'DELETE', headers: baseHeaders() }).catch(() => undefined);
        }
        finish(0);
      });
    },
    exited,
  };
}
