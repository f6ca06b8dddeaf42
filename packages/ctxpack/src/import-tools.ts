import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import type { Finding } from '@ctxpack/escape';
import { sanitize } from '@ctxpack/escape';
import { canonicalizeJson, digestContent } from '@ctxpack/provenance';

/** Which tool definitions came from an untrusted source (an MCP server): all of them, or these names. */
export type UntrustedTools = boolean | readonly string[];

/** What sanitizing one untrusted tool definition found, or that it changed since it was pinned. */
export interface ToolDefinitionFindings {
  /** The tool's name. */
  tool: string;
  /** Where the text is in the params, e.g. `tools[2].function.parameters.properties.city.description`. */
  path: string;
  findings: Finding[];
}

/**
 * The first definition seen of each untrusted tool, by name, for the life of a
 * guarded fetch or middleware: a later request whose definition differs (a
 * "rug pull": the server rewrote a description or schema mid-session) is sent
 * with the pinned definition and reported. At most {@link MAX_PINNED_TOOLS}.
 */
export type ToolDefinitionPins = Map<string, { digest: string; definition: unknown }>;

/** Most tools pinned per session; past it new tools are sanitized but not pinned. */
export const MAX_PINNED_TOOLS = 1024;

// Schemas nest; anything deeper is not a tool definition a provider accepts.
const MAX_SCHEMA_DEPTH = 64;
// The keys whose strings a model reads as prose (JSON Schema annotations, RFC draft-bhutton-json-schema-validation §9.1).
const TEXT_KEYS: ReadonlySet<string> = new Set(['description', 'title']);

/**
 * Sanitizes the descriptions of untrusted tool definitions in `tools`
 * as untrusted text (the same `sanitize` as an untrusted block: fake turns
 * and special tokens neutralized, invisible characters stripped): the tool's
 * own description and every `description` and `title` nested in its schema.
 * Returns the tools to send (a new array; a changed definition is a copy,
 * the input is not modified) and the findings. With `pins`, a definition that differs from the one
 * pinned under its name is replaced by the pinned one and reported as a
 * high `tool-definition-changed` finding. A definition is never dropped: the
 * model still gets the tool, made inert; the findings let the caller decide.
 * Reads OpenAI chat (`function.description`, `function.parameters`),
 * Responses (`parameters`), Anthropic (`input_schema`) and AI SDK
 * (`inputSchema`) tool shapes.
 *
 * @example
 * const pins: ToolDefinitionPins = new Map(); // one per session
 * const { tools, findings } = sanitizeToolDefinitions(mcpTools, true, pins);
 */
export function sanitizeToolDefinitions<T>(
  tools: readonly T[],
  untrusted: UntrustedTools,
  pins?: ToolDefinitionPins,
): { tools: T[]; findings: ToolDefinitionFindings[] } {
  if (typeof untrusted !== 'boolean' && !Array.isArray(untrusted)) {
    throw new InvalidArgumentError({
      path: 'options.untrustedTools',
      expected: 'a boolean or an array of tool names',
      value: untrusted,
    });
  }
  if (!Array.isArray(tools)) {
    throw new InvalidArgumentError({ path: 'tools', expected: 'an array of tool definitions', value: tools });
  }
  if (pins !== undefined && !(pins instanceof Map)) {
    throw new InvalidArgumentError({
      path: 'pins',
      expected: 'a Map (new Map(), kept per session)',
      value: pins,
    });
  }
  const out: ToolDefinitionFindings[] = [];
  const copy = tools.slice() as T[];
  if (untrusted === false) return { tools: copy, findings: out };
  const names = untrusted === true ? undefined : new Set(untrusted);
  for (let i = 0; i < copy.length; i++) {
    const tool: unknown = copy[i];
    if (!isRecord(tool)) continue;
    const nested = isRecord(tool['function']);
    const holder = (nested ? tool['function'] : tool) as Record<string, unknown>;
    const name = typeof holder['name'] === 'string' ? holder['name'] : String(i);
    if (names !== undefined && !names.has(name)) continue;
    const pinned = pins === undefined ? tool : pin(pins, name, tool, `tools[${i}]`, out);
    const clean = sanitizeTexts(pinned, `tools[${i}]`, name, out);
    if (clean !== tool) copy[i] = clean as T;
  }
  return { tools: copy, findings: out };
}

function pin(
  pins: ToolDefinitionPins,
  name: string,
  tool: Record<string, unknown>,
  path: string,
  out: ToolDefinitionFindings[],
): unknown {
  let digest: string;
  try {
    digest = digestContent(canonicalizeJson(tool));
  } catch {
    return tool; // Not JSON data: the provider would refuse it anyway; nothing to pin.
  }
  const known = pins.get(name);
  if (known === undefined) {
    if (pins.size < MAX_PINNED_TOOLS) pins.set(name, { digest, definition: structuredClone(tool) });
    return tool;
  }
  if (known.digest === digest) return tool;
  out.push({
    tool: name,
    path,
    findings: [
      {
        kind: 'tool-definition-changed',
        severity: 'high',
        start: 0,
        end: 0,
        message: `the definition of untrusted tool "${name.slice(0, 80)}" changed since it was pinned (${known.digest.slice(0, 19)}… → ${digest.slice(0, 19)}…); the pinned definition was sent`,
        rule: 'rug-pull',
      },
    ],
  });
  return structuredClone(known.definition);
}

/**
 * A copy of `value` with every `description`/`title` string sanitized (the
 * same object when nothing changed). Iterative, depth-bounded: a schema is
 * data from the server, not a reason to overflow the stack.
 */
function sanitizeTexts(value: unknown, root: string, tool: string, out: ToolDefinitionFindings[]): unknown {
  const top: { value: unknown } = { value };
  const stack: {
    holder: Record<string, unknown> | unknown[];
    key: string | number;
    path: string;
    depth: number;
  }[] = [{ holder: top as Record<string, unknown>, key: 'value', path: root, depth: 0 }];
  let changed = false;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { holder, key, path, depth } = item;
    const v = (holder as Record<string | number, unknown>)[key];
    if (typeof v === 'string') {
      if (typeof key !== 'string' || !TEXT_KEYS.has(key)) continue;
      const r = sanitize(v, { trust: 'untrusted' });
      if (r.findings.length > 0) out.push({ tool, path, findings: r.findings });
      if (r.changed) {
        (holder as Record<string | number, unknown>)[key] = r.text;
        changed = true;
      }
      continue;
    }
    if (typeof v !== 'object' || v === null || depth >= MAX_SCHEMA_DEPTH) continue;
    // Each object is reached once, from its parent, and copied shallowly there; the copies are
    // returned only when a text changed, else the definition as given.
    const child = Array.isArray(v) ? v.slice() : { ...(v as Record<string, unknown>) };
    (holder as Record<string | number, unknown>)[key] = child;
    if (Array.isArray(child)) {
      for (let i = child.length - 1; i >= 0; i--)
        stack.push({ holder: child, key: i, path: `${path}[${i}]`, depth: depth + 1 });
    } else {
      const keys = Object.keys(child);
      for (let k = keys.length - 1; k >= 0; k--) {
        const name = keys[k] as string;
        stack.push({
          holder: child,
          key: name,
          path: path === '' ? name : `${path}.${name}`,
          depth: depth + 1,
        });
      }
    }
  }
  return changed ? top.value : value;
}
