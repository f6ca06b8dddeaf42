import type { ToolFinding, ToolSeverity } from './scan-tools.js';
import { joinPath } from './walk-definition.js';

type Finding = Omit<ToolFinding, 'tool'>;
type Record_ = Record<string, unknown>;

/**
 * Checks on the fields of a current MCP `Tool` (2025-06-18 … 2026-07-28) that
 * are about structure rather than wording: `icons` (`data:`, SVG, remote or
 * odd `src`), `annotations` (hints are untrusted; a hint contradicting the
 * tool's name or description is flagged), `execution.taskSupport`,
 * `x-mcp-header` validity (streamable-HTTP transport, "Custom Headers from
 * Tool Parameters": clients MUST reject invalid ones), network `$ref`s and
 * composition bounds in both schemas, and `_meta` keys claiming trust. Also
 * applies the preference-manipulation rules ("always use this tool",
 * superlatives) to every string value.
 *
 * Shared by `scanTools` and the prompt, resource and elicitation scans.
 */
export function scanDefinitionFields(definition: Record_): Finding[] {
  const out: Finding[] = [];
  checkIcons(definition['icons'], out);
  checkAnnotations(definition, out);
  checkExecution(definition['execution'], out);
  for (const key of ['inputSchema', 'outputSchema', 'requestedSchema'] as const) {
    const schema = definition[key];
    if (schema === undefined) continue;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      out.push(at(key, 'definition-shape', 'medium', `${key} is not a JSON Schema object`));
      continue;
    }
    checkSchema(schema as Record_, key, out);
  }
  const input = definition['inputSchema'];
  if (isRecord(input)) checkMcpHeaders(input, out);
  const meta = definition['_meta'];
  if (isRecord(meta)) {
    for (const key of Object.keys(meta)) {
      if (trustClaim.test(key)) {
        out.push(
          at(
            joinPath('_meta', key),
            'meta-trust-claim',
            'medium',
            `_meta key "${key.slice(0, 64)}" claims trust; _meta is the server's claim and is never trusted`,
          ),
        );
      }
    }
  }
  return out;
}

/** Preference manipulation in one string: pushes the model toward this tool over others. */
export function scanPreferenceText(text: string): Omit<Finding, 'path'>[] {
  const out: Omit<Finding, 'path'>[] = [];
  for (const rule of preferenceRules) {
    for (const m of text.matchAll(rule.pattern)) {
      out.push({
        kind: 'preference-manipulation',
        severity: rule.severity,
        start: m.index,
        end: m.index + m[0].length,
        message: `${rule.message} ("${m[0].slice(0, 80)}")`,
      });
    }
  }
  return out;
}

/**
 * Whether the mention of another tool at `[start, end)` is a deprecation
 * pointer — `DEPRECATED: Use read_text_file instead.` — rather than an order
 * about that tool. Only meaningful for a tool of the same list: a pointer to
 * another server's tool is still shadowing.
 */
export function isDeprecationPointer(text: string, start: number, end: number): boolean {
  const before = text.slice(Math.max(0, start - 48), start);
  const after = text.slice(end, end + 24);
  return deprecatedBefore.test(before) && pointerAfter.test(after) && !orderCue.test(text.slice(end));
}

// Linear-time patterns: literal alternations with bounded gaps only.
const deprecatedBefore =
  /\b(?:deprecated|obsolete|legacy)\b[^.\n]{0,16}?\b(?:use|see|call|replaced\s{1,3}by|in\s{1,3}favou?r\s{1,3}of)\s{1,3}[`'"]?$/i;
const pointerAfter = /^[`'"]?(?:\s{1,3}instead)?\s{0,3}(?:[.)]|$)/i;
const orderCue =
  /\b(?:always|never|must|secretly|without\s{1,3}telling|ignore|bcc|forward|send)\b|<\s{0,3}important/i;
const trustClaim = /^(?:trust(?:ed|Level)?|verified|safe|official|certified|priority|system|role)$/i;

const preferenceRules: readonly { pattern: RegExp; severity: ToolSeverity; message: string }[] = [
  {
    pattern:
      /\b(?:always|must|should\s{1,4}always|only)\s{1,4}(?:use|call|choose|prefer|pick|select|invoke|run)\s{1,4}this\s{1,4}(?:tool|function|server|one)\b/gi,
    severity: 'high',
    message: 'tells the model to prefer this tool',
  },
  {
    pattern:
      /\buse\s{1,4}this\s{1,4}(?:tool|function)\s{1,4}(?:first|instead|exclusively|for\s{1,4}(?:all|every|any))\b/gi,
    severity: 'high',
    message: 'tells the model to prefer this tool',
  },
  {
    pattern:
      /\b(?:do\s{1,4}not|don't|never)\s{1,4}(?:use|call|trust|choose)\s{1,4}(?:any\s{1,4})?(?:other|another|the\s{1,4}other)\s{1,4}(?:tools?|servers?|functions?)\b/gi,
    severity: 'high',
    message: 'tells the model to avoid other tools',
  },
  {
    pattern:
      /\b(?:prefer(?:red)?|priority|precedence)\s{1,4}(?:over|to|above)\s{1,4}(?:all|any|every|other)\b|\bthe\s{1,4}only\s{1,4}(?:tool|function)\s{1,4}you\s{1,4}(?:need|should)\b/gi,
    severity: 'high',
    message: 'claims priority over other tools',
  },
  {
    pattern:
      /\b(?:the\s{1,4})?(?:best|most\s{1,4}(?:reliable|accurate|trusted|secure|powerful|advanced)|only\s{1,4}(?:reliable|trusted|accurate|correct|safe))\s{1,4}(?:tool|way|source|option|choice|function|server)\b|\bbetter\s{1,4}than\s{1,4}(?:any|all|every|other)\b|\b(?:officially\s{1,4})?(?:certified|verified|trusted|official)\s{1,4}(?:tool|source|server|function)\b/gi,
    severity: 'medium',
    message: 'a superlative or authority claim meant to sway tool choice',
  },
];

function checkIcons(icons: unknown, out: Finding[]): void {
  if (icons === undefined) return;
  if (!Array.isArray(icons)) {
    out.push(at('icons', 'definition-shape', 'medium', 'icons is not an array'));
    return;
  }
  for (let i = 0; i < icons.length; i++) {
    const icon: unknown = icons[i];
    const path = `icons[${i}]`;
    if (!isRecord(icon) || typeof icon['src'] !== 'string') {
      out.push(at(path, 'definition-shape', 'medium', 'an icon needs a string src'));
      continue;
    }
    const src = icon['src'];
    const lower = src.slice(0, 64).toLowerCase();
    const mime = typeof icon['mimeType'] === 'string' ? icon['mimeType'].toLowerCase() : '';
    const svg =
      mime.includes('svg') ||
      lower.startsWith('data:image/svg') ||
      /\.svgz?(?:[?#]|$)/i.test(src.slice(-256));
    if (lower.startsWith('data:')) {
      out.push(
        at(`${path}.src`, 'icon-data-uri', 'low', `inline data: icon (${src.length} chars), shown by hosts`),
      );
    } else if (lower.startsWith('https://') || lower.startsWith('http://')) {
      out.push(
        at(
          `${path}.src`,
          'icon-remote',
          lower.startsWith('http://') ? 'medium' : 'low',
          'a remote icon: the host fetches it (tracking, or a domain other than the server’s)',
        ),
      );
    } else {
      out.push(at(`${path}.src`, 'icon-src-scheme', 'high', `icon src with scheme "${lower.split(':')[0]}"`));
    }
    if (svg) {
      out.push(
        at(`${path}.src`, 'icon-svg', 'medium', 'an SVG icon can carry script; hosts must sanitize it'),
      );
    }
  }
}

// Verbs that contradict `readOnlyHint: true` when a tool's own name says them.
const destructiveVerb =
  /^(?:delete|remove|drop|erase|wipe|destroy|purge|truncate|overwrite|kill|terminate|uninstall|format|reset|revoke|rm|del)$/;
const writeVerb =
  /^(?:write|send|move|rename|create|update|edit|set|put|post|upload|insert|add|append|modify|patch|replace|execute|exec|run|transfer|pay|publish|push|merge|deploy|install|save|commit)$/;
const destructiveWords =
  /\b(?:deletes?|deleting|removes?|removing|erases?|wipes?|destroys?|purges?|overwrites?|drops?\s{1,3}(?:the\s{1,3})?(?:table|database|collection))\b/i;

function checkAnnotations(definition: Record_, out: Finding[]): void {
  const annotations = definition['annotations'];
  if (annotations === undefined) return;
  if (!isRecord(annotations)) {
    out.push(at('annotations', 'definition-shape', 'medium', 'annotations is not an object'));
    return;
  }
  for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
    const value = annotations[hint];
    if (value !== undefined && typeof value !== 'boolean') {
      out.push(at(joinPath('annotations', hint), 'definition-shape', 'medium', `${hint} is not a boolean`));
    }
  }
  const name = typeof definition['name'] === 'string' ? definition['name'] : '';
  const verbs = name
    .slice(0, 128)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w !== '');
  const description = typeof definition['description'] === 'string' ? definition['description'] : '';
  if (annotations['readOnlyHint'] === true) {
    const destructive = verbs.find((v) => destructiveVerb.test(v));
    const writes = verbs.find((v) => writeVerb.test(v));
    if (destructive !== undefined || writes !== undefined) {
      out.push(
        at(
          'annotations.readOnlyHint',
          'annotation-contradiction',
          destructive === undefined ? 'medium' : 'high',
          `readOnlyHint on a tool whose name says "${destructive ?? writes}"; hints are untrusted`,
        ),
      );
    } else if (destructiveWords.test(description)) {
      out.push(
        at(
          'annotations.readOnlyHint',
          'annotation-contradiction',
          'medium',
          'readOnlyHint on a tool whose description says it deletes or overwrites; hints are untrusted',
        ),
      );
    }
  }
  if (annotations['destructiveHint'] === false && annotations['readOnlyHint'] !== true) {
    const destructive = verbs.find((v) => destructiveVerb.test(v));
    if (destructive !== undefined) {
      out.push(
        at(
          'annotations.destructiveHint',
          'annotation-contradiction',
          'medium',
          `destructiveHint: false on a tool whose name says "${destructive}"; hints are untrusted`,
        ),
      );
    }
  }
}

function checkExecution(execution: unknown, out: Finding[]): void {
  if (execution === undefined) return;
  if (!isRecord(execution)) {
    out.push(at('execution', 'definition-shape', 'medium', 'execution is not an object'));
    return;
  }
  const support = execution['taskSupport'];
  if (support !== undefined && support !== 'forbidden' && support !== 'optional' && support !== 'required') {
    out.push(
      at(
        'execution.taskSupport',
        'definition-shape',
        'medium',
        'taskSupport must be "forbidden", "optional" or "required"',
      ),
    );
  }
}

const compositionKeys = new Set(['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else']);
/** Composition nesting and total branches a schema may have before it is flagged (validation cost grows with both). */
const MAX_COMPOSITION_DEPTH = 8;
const MAX_COMPOSITION_BRANCHES = 256;

function checkSchema(schema: Record_, root: string, out: Finding[]): void {
  let branches = 0;
  let deepest = 0;
  let flaggedRefs = 0;
  const stack: { node: unknown; path: string; composition: number }[] = [
    { node: schema, path: root, composition: 0 },
  ];
  let visited = 0;
  while (stack.length > 0 && visited < 20_000) {
    const { node, path, composition } = stack.pop() as (typeof stack)[number];
    visited++;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push({ node: node[i], path: `${path}[${i}]`, composition });
      continue;
    }
    if (!isRecord(node)) continue;
    for (const [key, child] of Object.entries(node)) {
      const childPath = joinPath(path, key);
      if (key === '$ref' && typeof child === 'string' && !child.startsWith('#') && flaggedRefs < 16) {
        flaggedRefs++;
        out.push(
          at(
            childPath,
            'schema-network-ref',
            'medium',
            `$ref outside the schema (${child.slice(0, 120)}); never dereferenced, a fetch would reach a server of the tool's choosing`,
          ),
        );
      }
      const nested = compositionKeys.has(key) ? composition + 1 : composition;
      if (compositionKeys.has(key)) {
        branches += Array.isArray(child) ? child.length : 1;
        if (nested > deepest) deepest = nested;
      }
      stack.push({ node: child, path: childPath, composition: nested });
    }
  }
  if (deepest > MAX_COMPOSITION_DEPTH || branches > MAX_COMPOSITION_BRANCHES) {
    out.push(
      at(
        root,
        'schema-composition-bound',
        'medium',
        `composition nested ${deepest} deep with ${branches} branches (bounds ${MAX_COMPOSITION_DEPTH} and ${MAX_COMPOSITION_BRANCHES})`,
      ),
    );
  }
}

// RFC 9110 §5.1 `tchar`.
const tchar = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;

/** `x-mcp-header` (MCP 2026-07-28, streamable HTTP "Custom Headers from Tool Parameters"). */
function checkMcpHeaders(input: Record_, out: Finding[]): void {
  const valid = new Set<unknown>();
  const seen = new Map<string, string>();
  const bad = (path: string, why: string) =>
    out.push(at(path, 'x-mcp-header-invalid', 'high', `x-mcp-header ${why}; clients must exclude this tool`));
  // Statically reachable properties: a chain of `properties` keys from the root.
  const walk = (schema: Record_, path: string, depth: number) => {
    const properties = schema['properties'];
    if (!isRecord(properties) || depth > 32) return;
    for (const [key, property] of Object.entries(properties)) {
      if (!isRecord(property)) continue;
      const ppath = joinPath(joinPath(path, 'properties'), key);
      if (Object.hasOwn(property, 'x-mcp-header')) {
        valid.add(property);
        const header = property['x-mcp-header'];
        const hpath = joinPath(ppath, 'x-mcp-header');
        const type = property['type'];
        if (typeof header !== 'string' || !tchar.test(header)) {
          bad(hpath, 'is not an HTTP field-name token (RFC 9110 §5.1)');
        } else if (seen.has(header.toLowerCase())) {
          bad(hpath, `repeats "${header}" (values must be case-insensitively unique)`);
        } else if (type !== 'string' && type !== 'integer' && type !== 'boolean') {
          seen.set(header.toLowerCase(), hpath);
          bad(hpath, 'is on a parameter that is not a string, integer or boolean');
        } else {
          seen.set(header.toLowerCase(), hpath);
        }
      }
      walk(property, ppath, depth + 1);
    }
  };
  walk(input, 'inputSchema', 0);
  // Anywhere else (under items, composition, $defs…) the annotation makes the definition invalid.
  const stack: { node: unknown; path: string }[] = [{ node: input, path: 'inputSchema' }];
  let visited = 0;
  while (stack.length > 0 && visited < 20_000) {
    const { node, path } = stack.pop() as (typeof stack)[number];
    visited++;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push({ node: node[i], path: `${path}[${i}]` });
    } else if (isRecord(node)) {
      if (Object.hasOwn(node, 'x-mcp-header') && !valid.has(node)) {
        bad(joinPath(path, 'x-mcp-header'), 'is not on a property reachable through properties alone');
      }
      for (const [key, child] of Object.entries(node)) stack.push({ node: child, path: joinPath(path, key) });
    }
  }
}

function at(path: string, kind: string, severity: ToolSeverity, message: string): Finding {
  return { path, kind, severity, start: 0, end: 0, message };
}

function isRecord(value: unknown): value is Record_ {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
