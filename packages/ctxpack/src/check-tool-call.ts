import { InvalidArgumentError } from '@ctxpack/block';
import { assertArray, assertRecord, isRecord } from '@ctxpack/block/kernel';
import type { Severity } from '@ctxpack/escape';
import { findUrlTaint, findValueTaint } from './find-taint.js';
import type { Payload } from './payload.js';
import { payloadTaint } from './payload-taint.js';
import type { ResponseAction, ResponseFinding } from './response-finding.js';
import { highestOf, readActions } from './response-finding.js';
import { WINDOW_BYTES } from './taint-index.js';
import { ToolCallBlockedError } from './tool-call-blocked-error.js';

/** What a sink parameter does with its value. */
export type SinkKind = 'url' | 'email' | 'path' | 'shell' | 'sql';

/** Which tool calls need a closer look. */
export interface ToolCallPolicy {
  /** Extra parameter names that are sinks (matched case-insensitively on the last key of the argument path). */
  sinks?: Readonly<Record<string, SinkKind>>;
  /** Only these sink kinds are checked (default: all five). */
  sinkKinds?: readonly SinkKind[];
  /** Tools that act in the world (send, pay, delete): flagged in a step whose context holds untrusted blocks. */
  sensitive?: readonly string[];
}

/** Options of `checkToolCall`. */
export interface CheckToolCallOptions {
  /** The payload the model answered with this call. */
  payload: Payload;
  policy?: ToolCallPolicy;
  /** The caller (a person) approved this call: sensitive-tool findings are not made. */
  approved?: boolean;
  /** Tool names offered, when the request does not list them (`request.tools`). */
  tools?: readonly string[];
  /** Action per kind (`tainted-argument`, `unknown-tool`, `sensitive-tool`, or `default`); default `report`. */
  actions?: Partial<Record<string, ResponseAction>>;
  /** Shortest copied run that taints an argument (bytes, ≥ 8; default 8). */
  taintBytes?: number;
}

/** What `checkToolCall` returns. */
export interface CheckToolCallResult {
  /** The call's tool name and parsed arguments. */
  name: string;
  arguments: unknown;
  findings: ResponseFinding[];
  highest: Severity | undefined;
}

const MAX_NODES = 10_000;
const MAX_DEPTH = 64;
const SINK_NAMES: readonly [RegExp, SinkKind][] = [
  [/(?:^|_|-)(?:url|uri|href|link|endpoint|webhook|callback|redirect)s?$|^(?:url|uri)/i, 'url'],
  [
    /^(?:to|cc|bcc|recipients?|emails?|e_?mail_?address(?:es)?|address(?:es)?|mail_?to|from|reply_?to)$/i,
    'email',
  ],
  [/(?:^|_|-)(?:path|file|filename|filepath|dir|directory|dest|destination|folder)s?$/i, 'path'],
  [/^(?:command|cmd|shell|script|exec|run|bash|sh|commandline)$/i, 'shell'],
  [/^(?:sql|query_?sql|statement|sql_?query)$/i, 'sql'],
];
const URL_SHAPE = /^\s*(?:[a-z][a-z0-9+.-]{1,31}:\/\/|\/\/|www\.)\S/i;
const EMAIL_SHAPE = /[^\s@<>,;"]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+/i;
const PATH_SHAPE = /^(?:~?\/|\.{1,2}\/|[a-z]:\\)[^\s]*$/i;
const SHELL_SHAPE =
  /(?:^|\s)(?:curl|wget|nc|bash|sh|rm|scp|ssh|python3?|node|powershell)\s|\$\(|`|&&|\|\||;\s*\w|\|\s*\w/;
const SQL_SHAPE = /^\s*(?:select|insert|update|delete|drop|create|alter|merge|replace|grant)\s/i;

function fail(path: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError({ path, expected, value });
}

/**
 * Checks a model-emitted tool call against the payload it answers: arguments
 * that copy ≥ 8 bytes of an untrusted block (as written, or percent, base64 or
 * hex decoded) into a sink — a URL, e-mail address or recipient, file path,
 * shell command or SQL, by parameter name or by the value's shape — unless
 * the user or the application wrote the same bytes; a tool name the request
 * did not offer; a `sensitive` tool called while untrusted blocks are in the
 * context (unless `approved`). `call` is `{ name, arguments }` (object or
 * JSON text), an OpenAI `tool_calls[]` entry, a Responses `function_call`,
 * an Anthropic `tool_use` block or an AI SDK tool call.
 *
 * @throws {ToolCallBlockedError} when a finding's action is `block`.
 * @example
 * const { findings } = checkToolCall(toolCall, { payload, policy: { sensitive: ['send_email'] } });
 */
export function checkToolCall(call: unknown, options: CheckToolCallOptions): CheckToolCallResult {
  assertRecord(call, 'call');
  assertRecord(options as unknown, 'options');
  const taint = payloadTaint(options.payload);
  const actions = readActions(options.actions, 'options.actions', fail);
  const policy = options.policy ?? {};
  assertRecord(policy as unknown, 'options.policy');
  const sinks = readSinks(policy.sinks);
  const kinds = new Set(policy.sinkKinds ?? ['url', 'email', 'path', 'shell', 'sql']);
  const sensitive = policy.sensitive ?? [];
  assertArray(sensitive, 'options.policy.sensitive');
  const min = options.taintBytes ?? WINDOW_BYTES;
  if (!Number.isSafeInteger(min) || min < WINDOW_BYTES)
    fail('options.taintBytes', `an integer ≥ ${WINDOW_BYTES}`, min);
  let offered = taint.toolNames;
  if (options.tools !== undefined) {
    assertArray(options.tools, 'options.tools');
    offered = new Set(options.tools.filter((t): t is string => typeof t === 'string'));
  }

  const { name, args } = readCall(call);
  const findings: ResponseFinding[] = [];
  const add = (f: Omit<ResponseFinding, 'action'>) => {
    findings.push({ ...f, action: actions[f.kind] ?? actions['default'] ?? 'report' });
  };
  if (offered !== undefined && !offered.has(name)) {
    add({
      kind: 'unknown-tool',
      severity: 'high',
      start: 0,
      end: 0,
      message: `the request offered no tool named ${JSON.stringify(name.slice(0, 100))}`,
      blockIds: [],
    });
  }
  if (taint.hasUntrusted && options.approved !== true && sensitive.includes(name)) {
    add({
      kind: 'sensitive-tool',
      severity: 'high',
      start: 0,
      end: 0,
      message: `${name} is sensitive and the context holds untrusted blocks; approve the call to run it`,
      blockIds: [],
    });
  }
  for (const { path, key, value } of stringLeaves(args)) {
    const sink = sinkOf(key, value, sinks);
    if (sink === undefined || !kinds.has(sink)) continue;
    const hit =
      sink === 'url' || URL_SHAPE.test(value)
        ? better(
            findUrlTaint(value, taint.taint, taint.vouched),
            findValueTaint(value, taint.taint, taint.vouched),
          )
        : findValueTaint(value, taint.taint, taint.vouched);
    if (hit === undefined || hit.bytes < min) continue;
    add({
      kind: 'tainted-argument',
      severity: 'high',
      start: 0,
      end: value.length,
      message: `argument ${path} (${sink}) copies ${hit.bytes} bytes of untrusted context (${hit.decoding})`,
      blockIds: hit.owners.map((o) => taint.taintedIds[o] as string),
      rule: `${sink}:${hit.decoding}`,
      path,
    });
  }
  if (findings.some((f) => f.action === 'block')) throw new ToolCallBlockedError({ name, findings });
  return { name, arguments: args, findings, highest: highestOf(findings) };
}

function better<T extends { bytes: number }>(a: T | undefined, b: T | undefined): T | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.bytes > a.bytes ? b : a;
}

function readSinks(value: unknown): Map<string, SinkKind> {
  const out = new Map<string, SinkKind>();
  if (value === undefined) return out;
  assertRecord(value, 'options.policy.sinks');
  for (const key of Object.keys(value)) {
    const kind = value[key];
    if (!['url', 'email', 'path', 'shell', 'sql'].includes(kind as string)) {
      fail(`options.policy.sinks.${key}`, 'url, email, path, shell or sql', kind);
    }
    out.set(key.toLowerCase(), kind as SinkKind);
  }
  return out;
}

/** The sink a parameter is, by its name, else by its value's shape. */
function sinkOf(key: string, value: string, sinks: ReadonlyMap<string, SinkKind>): SinkKind | undefined {
  const named = sinks.get(key.toLowerCase());
  if (named !== undefined) return named;
  for (const [pattern, kind] of SINK_NAMES) if (pattern.test(key)) return kind;
  if (value.length > 100_000) return undefined;
  if (URL_SHAPE.test(value)) return 'url';
  if (EMAIL_SHAPE.test(value)) return 'email';
  if (PATH_SHAPE.test(value)) return 'path';
  if (SQL_SHAPE.test(value)) return 'sql';
  if (SHELL_SHAPE.test(value)) return 'shell';
  return undefined;
}

/** Tool name and arguments from the shapes providers emit. */
function readCall(call: Record<string, unknown>): { name: string; args: unknown } {
  const fn = isRecord(call['function']) ? call['function'] : call;
  const name = fn['name'] ?? call['toolName'];
  if (typeof name !== 'string') fail('call.name', 'a tool name', name);
  let args = fn['arguments'] ?? call['input'] ?? call['args'] ?? {};
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      // Not JSON: the text itself is the one argument.
    }
  }
  return { name, args };
}

/** Every string in the arguments, with its path and the key it sits under; bounded in depth and count. */
function stringLeaves(root: unknown): { path: string; key: string; value: string }[] {
  const out: { path: string; key: string; value: string }[] = [];
  const stack: { value: unknown; path: string; key: string; depth: number }[] = [
    { value: root, path: '', key: '', depth: 0 },
  ];
  let nodes = 0;
  while (stack.length > 0 && nodes++ < MAX_NODES) {
    const { value, path, key, depth } = stack.pop() as {
      value: unknown;
      path: string;
      key: string;
      depth: number;
    };
    if (typeof value === 'string') out.push({ path: path === '' ? '(arguments)' : path, key, value });
    else if (depth >= MAX_DEPTH) continue;
    else if (Array.isArray(value)) {
      const n = Math.min(value.length, MAX_NODES);
      for (let i = n - 1; i >= 0; i--)
        stack.push({ value: value[i], path: `${path}[${i}]`, key, depth: depth + 1 });
    } else if (isRecord(value)) {
      const keys = Object.keys(value);
      for (let i = Math.min(keys.length, MAX_NODES) - 1; i >= 0; i--) {
        const k = keys[i] as string;
        stack.push({ value: value[k], path: path === '' ? k : `${path}.${k}`, key: k, depth: depth + 1 });
      }
    }
  }
  return out;
}
