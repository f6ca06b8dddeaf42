import { canonicalTool, digestToolDefinition } from './digest-tool.js';
import { InvalidMcpInputError } from './invalid-mcp-input-error.js';
import { MCP_LIMITS } from './limits.js';
import { joinPath } from './walk-definition.js';

/** One pinned tool: its digest and the definition it was computed from (for change reports). */
export interface ToolPin {
  digest: string;
  definition: unknown;
}

/** A pin file: the tools of one server as first approved. Store it as JSON. */
export interface ToolPins {
  version: 1;
  server?: string;
  pinnedAt: string;
  tools: Record<string, ToolPin>;
}

/** A difference between the pinned tools and the tools a server lists now. */
export interface ToolChange {
  kind: 'added' | 'removed' | 'changed';
  tool: string;
  before?: string;
  after?: string;
  /** Paths of the fields that differ, e.g. `inputSchema.properties.city.description` (up to 64). */
  paths: string[];
}

/**
 * Pins a tool list: the digest of each whole definition (see
 * `digestToolDefinition`) plus a copy of it, keyed by name.
 *
 * @throws {InvalidMcpInputError} on a definition without a string name, a duplicate name, or non-JSON data.
 * @example
 * const pins = pinTools((await client.listTools()).tools, { server: 'weather' });
 * await writeFile('weather.pins.json', JSON.stringify(pins));
 */
export function pinTools(tools: readonly unknown[], options: { server?: string; now?: Date } = {}): ToolPins {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidMcpInputError({ path: 'options', message: 'expected an object', value: options });
  }
  // Null prototype: a tool named `__proto__` (or `constructor`) is a key like any other,
  // not the object's prototype (which JSON.stringify would silently drop).
  const pinned = Object.create(null) as Record<string, ToolPin>;
  for (const [name, tool] of byName(tools)) {
    pinned[name] = { digest: digestToolDefinition(tool), definition: JSON.parse(canonicalTool(tool)) };
  }
  return {
    version: 1,
    ...(options.server === undefined ? {} : { server: options.server }),
    pinnedAt: (options.now ?? new Date()).toISOString(),
    tools: pinned,
  };
}

/**
 * Compares the tools a server lists now with the pins: tools added, removed,
 * or changed in any field (a "rug pull"), with the paths that differ. An
 * empty array means nothing changed.
 *
 * @throws {InvalidMcpInputError} when `pins` is not a pin file or a tool is malformed.
 * @example
 * const changes = diffToolPins(pins, (await client.listTools()).tools);
 * for (const c of changes) console.warn(`${c.kind} ${c.tool}: ${c.paths.join(', ')}`);
 */
export function diffToolPins(pins: ToolPins, tools: readonly unknown[]): ToolChange[] {
  checkPins(pins);
  const current = byName(tools);
  const changes: ToolChange[] = [];
  for (const [name, tool] of current) {
    const pin = Object.hasOwn(pins.tools, name) ? pins.tools[name] : undefined;
    const after = digestToolDefinition(tool);
    if (pin === undefined) {
      changes.push({ kind: 'added', tool: name, after, paths: [] });
    } else if (pin.digest !== after) {
      const paths: string[] = [];
      diffValues(pin.definition, JSON.parse(canonicalTool(tool)), '', paths);
      changes.push({ kind: 'changed', tool: name, before: pin.digest, after, paths });
    }
  }
  for (const [name, pin] of Object.entries(pins.tools)) {
    if (!current.has(name)) changes.push({ kind: 'removed', tool: name, before: pin.digest, paths: [] });
  }
  return changes;
}

const MAX_PATHS = 64;

function diffValues(a: unknown, b: unknown, path: string, out: string[], depth = 0): void {
  if (out.length >= MAX_PATHS) return;
  const bothObjects = typeof a === 'object' && a !== null && typeof b === 'object' && b !== null;
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b) || depth >= MCP_LIMITS.maxDefinitionDepth) {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path === '' ? '(tool)' : path);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      diffValues(a[i], b[i], `${path}[${i}]`, out, depth + 1);
    return;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const key of [...keys].sort()) diffValues(ra[key], rb[key], joinPath(path, key), out, depth + 1);
}

function byName(tools: readonly unknown[]): Map<string, unknown> {
  if (!Array.isArray(tools)) throw new InvalidMcpInputError({ path: 'tools', message: 'expected an array' });
  if (tools.length > MCP_LIMITS.maxToolsPerList) {
    throw new InvalidMcpInputError({
      path: 'tools',
      message: `has ${tools.length} tools; the limit is MCP_LIMITS.maxToolsPerList = ${MCP_LIMITS.maxToolsPerList}`,
      value: tools.length,
    });
  }
  const map = new Map<string, unknown>();
  tools.forEach((tool, i) => {
    const name = (tool as { name?: unknown } | null)?.name;
    if (typeof tool !== 'object' || tool === null || typeof name !== 'string') {
      throw new InvalidMcpInputError({
        path: `tools[${i}].name`,
        message: 'expected a tool with a string name',
        value: tool,
      });
    }
    if (map.has(name)) {
      throw new InvalidMcpInputError({
        path: `tools[${i}].name`,
        message: `duplicate tool name "${name}"`,
        value: name,
      });
    }
    map.set(name, tool);
  });
  return map;
}

function checkPins(pins: unknown): asserts pins is ToolPins {
  const p = pins as Partial<ToolPins> | null;
  if (
    typeof p !== 'object' ||
    p === null ||
    p.version !== 1 ||
    typeof p.tools !== 'object' ||
    p.tools === null
  ) {
    throw new InvalidMcpInputError({
      path: '(pins)',
      message: 'expected a pin file { version: 1, tools } from pinTools',
    });
  }
  for (const [name, pin] of Object.entries(p.tools)) {
    if (typeof pin?.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(pin.digest)) {
      throw new InvalidMcpInputError({
        path: `tools.${name}.digest`,
        message: 'expected a sha256: digest',
        value: pin?.digest,
      });
    }
  }
}
