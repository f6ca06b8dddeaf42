import { InvalidMcpInputError } from './invalid-mcp-input-error.js';
import { MCP_LIMITS } from './limits.js';

/** One string of a tool definition and where it sits, e.g. `inputSchema.properties.city.description`. */
export interface DefinitionString {
  path: string;
  text: string;
  /** A property name (a key) rather than a value: models read both. */
  key: boolean;
}

/**
 * Every string of a definition — keys included, because a schema property
 * name reaches the model as surely as its description — depth-first, in
 * document order, within {@link MCP_LIMITS}.
 *
 * @throws {InvalidMcpInputError} when the definition is too deep or too large.
 */
export function collectStrings(value: unknown, root: string): DefinitionString[] {
  const out: DefinitionString[] = [];
  let nodes = 0;
  const visit = (node: unknown, path: string, depth: number): void => {
    nodes++;
    if (nodes > MCP_LIMITS.maxDefinitionNodes) {
      throw new InvalidMcpInputError({
        path,
        message: `more than ${MCP_LIMITS.maxDefinitionNodes} nodes; the limit is MCP_LIMITS.maxDefinitionNodes`,
        value: nodes,
      });
    }
    if (depth > MCP_LIMITS.maxDefinitionDepth) {
      throw new InvalidMcpInputError({
        path,
        message: `nested ${depth} deep; the limit is MCP_LIMITS.maxDefinitionDepth = ${MCP_LIMITS.maxDefinitionDepth}`,
        value: depth,
      });
    }
    if (typeof node === 'string') {
      out.push({ path, text: node, key: false });
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) visit(node[i], `${path}[${i}]`, depth + 1);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        const childPath = joinPath(path, key);
        nodes++;
        out.push({ path: childPath, text: key, key: true });
        visit(child, childPath, depth + 1);
      }
    }
  };
  visit(value, root, 0);
  return out;
}

/** `a` + `b` → `a.b`; keys that are not identifiers are quoted: `a["x y"]`. */
export function joinPath(path: string, key: string): string {
  const part = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return part;
  return part.startsWith('[') ? `${path}${part}` : `${path}.${part}`;
}
