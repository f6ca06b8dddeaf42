import { InvalidArgumentError } from '@ctxpack/block';
import { canonicalTool, digestToolDefinition } from '../digest-tool.js';
import { InvalidMcpInputError } from '../invalid-mcp-input-error.js';

const MAX_KEY_CHARS = 4096;

/** The three lists a proxy pins. Resources are keyed by `uri`, tools and prompts by `name`. */
export type ProxyListKind = 'tools' | 'prompts' | 'resources';

export const PROXY_LIST_KINDS: readonly ProxyListKind[] = ['tools', 'prompts', 'resources'];

/** One approved definition: its digest (RFC 8785 + SHA-256, key order irrelevant) and a copy. */
export interface ProxyPin {
  digest: string;
  definition: unknown;
}

/** A definition the proxy withheld, waiting for `ctxpack mcp-proxy approve`. */
export interface PendingPin extends ProxyPin {
  kind: ProxyListKind;
  key: string;
  /** `added`, `changed`, or `poisoned` (a high finding; approving does not lift a poisoned withhold). */
  reason: 'added' | 'changed' | 'poisoned';
  /** The changed paths, or the high findings, for the report. */
  details: string[];
  seenAt: string;
}

/** The pin file of `ctxpack mcp-proxy`: approved definitions per list, and pending changes. */
export interface ProxyPins {
  version: 1;
  /** Set once a list was first seen: after that, anything new is withheld until approved. */
  initialized: Record<ProxyListKind, boolean>;
  tools: Record<string, ProxyPin>;
  prompts: Record<string, ProxyPin>;
  resources: Record<string, ProxyPin>;
  pending: Record<string, PendingPin>;
}

/** An empty pin file: the first list of each kind is pinned on first use (its clean entries). */
export function createProxyPins(): ProxyPins {
  return {
    version: 1,
    initialized: { tools: false, prompts: false, resources: false },
    tools: {},
    prompts: {},
    resources: {},
    pending: {},
  };
}

/** `tools:get_weather`: the key of a pending entry. */
export function pendingKey(kind: ProxyListKind, key: string): string {
  return `${kind}:${key}`;
}

/** The digest and canonical copy of one definition. */
export function pinDefinition(definition: unknown): ProxyPin {
  return { digest: digestToolDefinition(definition), definition: JSON.parse(canonicalTool(definition)) };
}

/**
 * Moves the pending definition `key` of `kind` into the approved pins.
 *
 * @throws {InvalidMcpInputError} when nothing is pending under that name, or it is poisoned.
 * @example
 * const next = approvePending(pins, 'tools', 'get_weather');
 */
export function approvePending(pins: ProxyPins, kind: ProxyListKind, key: string): ProxyPins {
  if (!isRecord(pins) || !isRecord(pins.pending) || !PROXY_LIST_KINDS.every((k) => isRecord(pins[k]))) {
    throw new InvalidArgumentError({ path: 'pins', expected: 'a pin file from parseProxyPins', value: pins });
  }
  if (!PROXY_LIST_KINDS.includes(kind)) {
    throw new InvalidArgumentError({
      path: 'kind',
      expected: 'one of "tools", "prompts", "resources"',
      value: kind,
    });
  }
  if (typeof key !== 'string' || key.length > MAX_KEY_CHARS) {
    throw new InvalidArgumentError({
      path: 'key',
      expected: `a name of at most ${MAX_KEY_CHARS} characters`,
      value: key,
    });
  }
  const id = pendingKey(kind, key);
  const entry = Object.hasOwn(pins.pending, id) ? pins.pending[id] : undefined;
  if (entry === undefined) {
    throw new InvalidMcpInputError({
      path: `pending.${id}`,
      message: 'nothing is pending under this name',
      value: key,
    });
  }
  if (entry.reason === 'poisoned') {
    throw new InvalidMcpInputError({
      path: `pending.${id}`,
      message: `withheld for high findings (${entry.details.slice(0, 3).join('; ')}); fix the server instead`,
      value: key,
    });
  }
  const pending = { ...pins.pending };
  delete pending[id];
  return {
    ...pins,
    [kind]: { ...pins[kind], [key]: { digest: entry.digest, definition: entry.definition } },
    pending,
  };
}

/**
 * Reads a pin file's JSON value, checking its shape.
 *
 * @throws {InvalidMcpInputError} when it is not a proxy pin file.
 */
export function parseProxyPins(value: unknown): ProxyPins {
  const bad = (path: string, message: string): never => {
    throw new InvalidMcpInputError({ path, message });
  };
  if (!isRecord(value) || value['version'] !== 1)
    bad('(pins)', 'expected a ctxpack mcp-proxy pin file (version 1)');
  const v = value as Record<string, unknown>;
  const initialized = v['initialized'];
  if (!isRecord(initialized)) bad('initialized', 'expected an object');
  const out = createProxyPins();
  for (const kind of PROXY_LIST_KINDS) {
    out.initialized[kind] = (initialized as Record<string, unknown>)[kind] === true;
    const list = v[kind];
    if (!isRecord(list)) bad(kind, 'expected an object of pins');
    for (const [key, pin] of Object.entries(list as Record<string, unknown>)) {
      if (
        !isRecord(pin) ||
        typeof pin['digest'] !== 'string' ||
        !/^sha256:[0-9a-f]{64}$/.test(pin['digest'])
      ) {
        bad(`${kind}.${key}`, 'expected { digest: "sha256:…", definition }');
      }
      Object.defineProperty(out[kind], key, {
        value: pin,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  const pending = v['pending'];
  if (!isRecord(pending)) bad('pending', 'expected an object');
  for (const [key, entry] of Object.entries(pending as Record<string, unknown>)) {
    if (
      !isRecord(entry) ||
      typeof entry['digest'] !== 'string' ||
      !PROXY_LIST_KINDS.includes(entry['kind'] as never)
    ) {
      bad(`pending.${key}`, 'expected a pending entry');
    }
    Object.defineProperty(out.pending, key, {
      value: entry,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
