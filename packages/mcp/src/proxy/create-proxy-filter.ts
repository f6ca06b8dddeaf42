import { CtxpackError, InvalidArgumentError } from '@ctxpack/block';
import { sanitize } from '@ctxpack/escape';
import type { AuditLog } from '@ctxpack/provenance';
import { canonicalizeJson, createAuditRecord, digestContent } from '@ctxpack/provenance';
import { diffToolPins } from '../pin-tools.js';
import { scanElicitation, scanPrompts, scanResources } from '../scan-lists.js';
import type { ToolFinding, ToolScanReport } from '../scan-tools.js';
import { scanTools } from '../scan-tools.js';
import type { ProxyListKind, ProxyPins } from './proxy-pins.js';
import { pendingKey, pinDefinition } from './proxy-pins.js';

type Message = Record<string, unknown>;

/** What the proxy did, for the operator (the CLI prints these on stderr). */
export type ProxyEvent =
  | { type: 'pinned'; kind: ProxyListKind; keys: string[] }
  | {
      type: 'withheld';
      kind: ProxyListKind;
      key: string;
      reason: 'added' | 'changed' | 'poisoned';
      details: string[];
    }
  | { type: 'sanitized'; tool: string; findings: number; highest: string; kinds: string[] }
  | { type: 'blocked-call'; tool: string }
  | { type: 'list-changed'; kind: ProxyListKind }
  | { type: 'elicitation-declined'; details: string[] }
  | { type: 'error'; message: string };

export interface ProxyFilterOptions {
  /** The pin file, updated in place; `onPinsChanged` is called after every change. */
  pins: ProxyPins;
  onPinsChanged?: (pins: ProxyPins) => void;
  onEvent?: (event: ProxyEvent) => void;
  /** One hash-chained record per tool call (see @ctxpack/provenance `createAuditLog`). */
  audit?: AuditLog;
  /** Names of tools of the host's other servers, for shadowing findings. */
  knownTools?: readonly string[];
  now?: () => Date;
}

/** Messages to send on, per direction. */
export interface ProxyOutput {
  toServer: Message[];
  toHost: Message[];
}

/** The message filter of `ctxpack mcp-proxy`, free of any transport. */
export interface ProxyFilter {
  /** A JSON-RPC message from the host (client). */
  fromHost(message: unknown): Promise<ProxyOutput>;
  /** A JSON-RPC message from the server. */
  fromServer(message: unknown): Promise<ProxyOutput>;
}

const LIST_METHODS: Record<string, ProxyListKind> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
};
const CHANGED_NOTIFICATIONS: Record<string, ProxyListKind> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/resources/list_changed': 'resources',
};
const OWN_ID_PREFIX = 'ctxpack-mcp-proxy:';

/**
 * Creates the filter a stdio MCP proxy runs between a host and a server. It
 * forwards every JSON-RPC message unchanged except:
 *
 * - `tools/list`, `prompts/list`, `resources/list` answers: each entry is
 *   scanned and compared with the pins; poisoned (a high finding), added or
 *   changed entries are withheld from the host and recorded as pending
 *   (approve with `approvePending`). The first list of each kind is pinned on
 *   first use, minus its poisoned entries.
 * - `tools/call`: a call to a tool the proxy withheld is answered with an
 *   error without reaching the server; every result is sanitized as
 *   untrusted text (`@ctxpack/escape` `sanitize`) in every string — content,
 *   embedded resources, `structuredContent` — before the host sees it, and one
 *   audit record is appended per call.
 * - `notifications/*\/list_changed`: forwarded, and the proxy lists again
 *   itself so a rug pull is reported even if the host never re-lists.
 * - `elicitation/create` from the server: scanned; a high finding declines it.
 *
 * @example
 * const filter = createProxyFilter({ pins: createProxyPins(), onEvent: (e) => console.error(e) });
 * const { toServer, toHost } = await filter.fromHost(JSON.parse(line));
 */
export function createProxyFilter(options: ProxyFilterOptions): ProxyFilter {
  checkFilterOptions(options);
  const { pins } = options;
  const now = options.now ?? (() => new Date());
  const emit = (event: ProxyEvent) => options.onEvent?.(event);
  const known = options.knownTools ?? [];
  /** Requests from the host awaiting an answer: id → method and params. */
  const inFlight = new Map<string, { method: string; params: Message }>();
  const withheld: Record<ProxyListKind, Set<string>> = {
    tools: new Set(),
    prompts: new Set(),
    resources: new Set(),
  };
  let ownIds = 0;

  const idKey = (id: unknown) => JSON.stringify(id);

  function checkList(kind: ProxyListKind, items: unknown[]): unknown[] {
    const keyOf = (item: unknown) =>
      String((item as Message | null)?.[kind === 'resources' ? 'uri' : 'name'] ?? '');
    let report: ToolScanReport;
    try {
      report =
        kind === 'tools'
          ? scanTools(items, { knownTools: known })
          : kind === 'prompts'
            ? scanPrompts(items, { knownTools: known })
            : scanResources(items, { knownTools: known });
    } catch (cause) {
      // A list the scanner cannot read is not passed on.
      emit({ type: 'error', message: `${kind}/list refused: ${messageOf(cause)}` });
      return [];
    }
    const pinsOf = pins[kind];
    const first = !pins.initialized[kind];
    const kept: unknown[] = [];
    const newlyPinned: string[] = [];
    let changedPins = false;
    const keys = new Set<string>();
    items.forEach((item, i) => {
      const key = keyOf(item);
      const scan = report.tools[i];
      const high = (scan?.findings ?? []).filter((f) => f.severity === 'high');
      const pin = pinDefinition(item);
      const approved = Object.hasOwn(pinsOf, key) ? pinsOf[key] : undefined;
      let reason: 'added' | 'changed' | 'poisoned' | undefined;
      let details: string[] = [];
      if (keys.has(key)) {
        reason = 'poisoned';
        details = [`a second entry is named "${key}"`];
      } else if (high.length > 0) {
        reason = 'poisoned';
        details = high.slice(0, 8).map(describeFinding);
      } else if (approved === undefined && !first) {
        reason = 'added';
      } else if (approved !== undefined && approved.digest !== pin.digest) {
        reason = 'changed';
        details =
          kind === 'tools'
            ? (diffToolPins({ version: 1, pinnedAt: '', tools: { [key]: approved } }, [item])[0]?.paths ?? [])
            : ['(definition)'];
      }
      keys.add(key);
      if (reason === undefined) {
        if (approved === undefined) {
          Object.defineProperty(pinsOf, key, {
            value: pin,
            enumerable: true,
            writable: true,
            configurable: true,
          });
          newlyPinned.push(key);
          changedPins = true;
        }
        withheld[kind].delete(key);
        kept.push(item);
        return;
      }
      withheld[kind].add(key);
      const id = pendingKey(kind, key);
      const previous = Object.hasOwn(pins.pending, id) ? pins.pending[id] : undefined;
      if (previous?.digest !== pin.digest) {
        Object.defineProperty(pins.pending, id, {
          value: { ...pin, kind, key, reason, details, seenAt: now().toISOString() },
          enumerable: true,
          writable: true,
          configurable: true,
        });
        changedPins = true;
        emit({ type: 'withheld', kind, key, reason, details });
      }
    });
    if (first) {
      pins.initialized[kind] = true;
      changedPins = true;
    }
    if (newlyPinned.length > 0) emit({ type: 'pinned', kind, keys: newlyPinned });
    if (changedPins) options.onPinsChanged?.(pins);
    return kept;
  }

  async function sanitizeResult(tool: string, args: unknown, result: Message): Promise<Message> {
    const findings: { kind: string; severity: string }[] = [];
    const clean = (value: unknown, depth: number): unknown => {
      if (typeof value === 'string') {
        try {
          const r = sanitize(value, { trust: 'untrusted' });
          for (const f of r.findings) findings.push({ kind: f.kind, severity: f.severity });
          return r.text;
        } catch (cause) {
          if (!CtxpackError.isInstance(cause)) throw cause;
          findings.push({ kind: cause.code, severity: 'high' });
          return `[ctxpack mcp-proxy: text withheld (${cause.code})]`;
        }
      }
      if (depth > 64) return null;
      if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
      if (typeof value === 'object' && value !== null) {
        const out: Message = {};
        for (const [k, v] of Object.entries(value)) {
          // Binary payloads and protocol fields are not text a model reads.
          const keep = k === 'data' || k === 'blob' || k === 'type' || k === 'mimeType' || k === 'uri';
          Object.defineProperty(out, k, {
            value: keep ? v : clean(v, depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      }
      return value;
    };
    const sent = clean(result, 0) as Message;
    const counts = { high: 0, medium: 0, low: 0 };
    const kinds = new Set<string>();
    for (const f of findings) {
      if (f.severity === 'high' || f.severity === 'medium' || f.severity === 'low') counts[f.severity]++;
      kinds.add(f.kind);
    }
    const highest = counts.high > 0 ? 'high' : counts.medium > 0 ? 'medium' : counts.low > 0 ? 'low' : 'none';
    if (findings.length > 0) {
      emit({ type: 'sanitized', tool, findings: findings.length, highest, kinds: [...kinds].sort() });
    }
    await options.audit?.append(
      createAuditRecord({
        event: 'tools/call',
        now: now(),
        manifest: {
          tool,
          arguments: safeDigest(args),
          received: safeDigest(result),
          sent: safeDigest(sent),
          isError: result['isError'] === true,
        },
        findings: { ...counts, highest, kinds: [...kinds].sort() },
      }),
    );
    return sent;
  }

  return {
    async fromHost(message) {
      if (!isRecord(message)) return { toServer: [], toHost: [] };
      const method = message['method'];
      if (typeof method === 'string' && message['id'] !== undefined) {
        const params = isRecord(message['params']) ? message['params'] : {};
        if (method === 'tools/call') {
          const name = String(params['name'] ?? '');
          const unapproved = pins.initialized.tools && !Object.hasOwn(pins.tools, name);
          if (withheld.tools.has(name) || unapproved) {
            emit({ type: 'blocked-call', tool: name });
            await options.audit?.append(
              createAuditRecord({ event: 'tools/call-blocked', now: now(), manifest: { tool: name } }),
            );
            return {
              toServer: [],
              toHost: [
                {
                  jsonrpc: '2.0',
                  id: message['id'],
                  error: {
                    code: -32602,
                    message: `Tool ${JSON.stringify(name.slice(0, 128))} is withheld by ctxpack mcp-proxy (not approved)`,
                  },
                },
              ],
            };
          }
        }
        inFlight.set(idKey(message['id']), { method, params });
      }
      return { toServer: [message], toHost: [] };
    },

    async fromServer(message) {
      if (!isRecord(message)) return { toServer: [], toHost: [] };
      const method = message['method'];
      // A notification or a request from the server.
      if (typeof method === 'string') {
        const changed = CHANGED_NOTIFICATIONS[method];
        if (changed !== undefined && message['id'] === undefined) {
          emit({ type: 'list-changed', kind: changed });
          const id = `${OWN_ID_PREFIX}${++ownIds}`;
          inFlight.set(idKey(id), { method: `${changed}/list`, params: {} });
          return {
            toServer: [{ jsonrpc: '2.0', id, method: `${changed}/list`, params: {} }],
            toHost: [message],
          };
        }
        if (method === 'elicitation/create' && message['id'] !== undefined) {
          let high: ToolFinding[];
          try {
            high = scanElicitation(message).filter((f) => f.severity === 'high');
          } catch (cause) {
            high = [
              {
                tool: 'elicitation',
                path: '',
                kind: 'invalid',
                severity: 'high',
                start: 0,
                end: 0,
                message: messageOf(cause),
              },
            ];
          }
          if (high.length > 0) {
            const details = high.slice(0, 8).map(describeFinding);
            emit({ type: 'elicitation-declined', details });
            return {
              toServer: [{ jsonrpc: '2.0', id: message['id'], result: { action: 'decline' } }],
              toHost: [],
            };
          }
        }
        return { toServer: [], toHost: [message] };
      }
      // A response to a request.
      const key = idKey(message['id']);
      const request = inFlight.get(key);
      inFlight.delete(key);
      const own = typeof message['id'] === 'string' && message['id'].startsWith(OWN_ID_PREFIX);
      const result = message['result'];
      if (request === undefined || !isRecord(result)) return { toServer: [], toHost: own ? [] : [message] };
      const kind = LIST_METHODS[request.method];
      if (kind !== undefined && Array.isArray(result[kind])) {
        const kept = checkList(kind, result[kind] as unknown[]);
        return own
          ? { toServer: [], toHost: [] }
          : { toServer: [], toHost: [{ ...message, result: { ...result, [kind]: kept } }] };
      }
      if (request.method === 'tools/call') {
        const tool = String(request.params['name'] ?? '');
        const sent = await sanitizeResult(tool, request.params['arguments'] ?? {}, result);
        return { toServer: [], toHost: [{ ...message, result: sent }] };
      }
      return { toServer: [], toHost: own ? [] : [message] };
    },
  };
}

function checkFilterOptions(options: unknown): asserts options is ProxyFilterOptions {
  const bad = (path: string, expected: string, value: unknown): never => {
    throw new InvalidArgumentError({ path, expected, value });
  };
  if (!isRecord(options)) bad('options', 'an object with pins', options);
  const o = options as Record<string, unknown>;
  const pins = o['pins'];
  if (!isRecord(pins) || !isRecord(pins['initialized']) || !isRecord(pins['pending'])) {
    bad('options.pins', 'a pin file from createProxyPins or parseProxyPins', pins);
  }
  for (const kind of ['tools', 'prompts', 'resources']) {
    if (!isRecord((pins as Record<string, unknown>)[kind]))
      bad(`options.pins.${kind}`, 'an object of pins', kind);
  }
  for (const key of ['onPinsChanged', 'onEvent', 'now']) {
    if (o[key] !== undefined && typeof o[key] !== 'function') bad(`options.${key}`, 'a function', o[key]);
  }
  const audit = o['audit'];
  if (audit !== undefined && typeof (audit as { append?: unknown } | null)?.append !== 'function') {
    bad('options.audit', 'an AuditLog from createAuditLog', audit);
  }
  const known = o['knownTools'];
  if (known !== undefined && (!Array.isArray(known) || !known.every((n) => typeof n === 'string'))) {
    bad('options.knownTools', 'an array of strings', known);
  }
}

function describeFinding(f: ToolFinding): string {
  return `${f.kind} at ${f.path || '(definition)'}: ${f.message}`.slice(0, 240);
}

function safeDigest(value: unknown): string | null {
  try {
    return digestContent(canonicalizeJson(value));
  } catch {
    return null;
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message.slice(0, 500) : String(cause).slice(0, 500);
}

function isRecord(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
