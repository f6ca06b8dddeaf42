import type { FindingSummary } from '@ctxpack/escape';
import { scan } from '@ctxpack/escape';
import { addCounts, capToolFindings, noCounts, summarize } from './cap-tool-findings.js';
import { digestToolDefinition } from './digest-tool.js';
import { InvalidMcpInputError } from './invalid-mcp-input-error.js';
import { MCP_LIMITS } from './limits.js';
import { isDeprecationPointer, scanDefinitionFields, scanPreferenceText } from './scan-definition.js';
import { findLookalikeNames } from './tool-name-lookalikes.js';
import type { DefinitionString } from './walk-definition.js';
import { collectStrings } from './walk-definition.js';

export type ToolSeverity = 'low' | 'medium' | 'high';

/**
 * A finding in a tool definition: what, how bad, and where — the field path
 * (`inputSchema.properties.city.description`) and the `[start, end)` UTF-16
 * range inside that field's string.
 */
export interface ToolFinding {
  tool: string;
  path: string;
  kind: string;
  severity: ToolSeverity;
  start: number;
  end: number;
  message: string;
  /** Hidden text recovered from a smuggling scheme, when there was one. */
  decoded?: string;
}

/**
 * The scan of one tool. `highest`, `counts` and `omitted` cover every
 * finding; `findings` lists at most `MCP_LIMITS.maxFindingsPerTool`, the most
 * severe first, plus a `finding-limit` finding when some were left out.
 */
export interface ToolScanResult extends FindingSummary {
  tool: string;
  /** `sha256:` of the RFC 8785 canonical JSON of the whole definition (see {@link digestToolDefinition}). */
  digest: string;
  findings: ToolFinding[];
}

/** The scan of a tool list: every tool's listed findings, and counts over all of them. */
export interface ToolScanReport extends FindingSummary {
  tools: ToolScanResult[];
  findings: ToolFinding[];
}

export interface ScanToolsOptions {
  /**
   * Names of tools from other servers the same agent can call. A description
   * that talks about them, or a tool that takes one of their names, is shadowing.
   */
  knownTools?: readonly string[];
}

/**
 * Scans MCP tool definitions as the model will read them: `name`, `title`,
 * `description`, `annotations`, `_meta`, and every key and string of
 * `inputSchema` and `outputSchema` at any depth. Reports hidden Unicode and
 * injection (via `@ctxpack/escape`'s `scan`: smuggling, bidi, special tokens,
 * “ignore previous instructions”, `<IMPORTANT>`-style tags, concealment…),
 * plus what is particular to tools: shadowing (a description giving orders
 * about another tool), name collisions, references to credential files, and
 * orders to send data somewhere.
 *
 * @throws {InvalidMcpInputError} when a definition is not an object with a string `name`, or exceeds {@link MCP_LIMITS}.
 * @example
 * const { tools } = await client.listTools();
 * const report = scanTools(tools, { knownTools: ['send_email'] });
 * if (report.highest === 'high') throw new Error('refusing a poisoned MCP server');
 */
export function scanTools(tools: readonly unknown[], options: ScanToolsOptions = {}): ToolScanReport {
  checkOptions(options);
  if (!Array.isArray(tools)) throw new InvalidMcpInputError({ path: 'tools', message: 'expected an array' });
  if (tools.length > MCP_LIMITS.maxToolsPerList) {
    throw new InvalidMcpInputError({
      path: 'tools',
      message: `has ${tools.length} tools; the limit is MCP_LIMITS.maxToolsPerList = ${MCP_LIMITS.maxToolsPerList}`,
      value: tools.length,
    });
  }
  const names = tools.map((tool, i) => toolName(tool, `tools[${i}]`));
  const known = options.knownTools ?? [];
  const lookalikes = new Map(findLookalikeNames(names, known).map((l) => [l.index, l]));
  const results = tools.map((tool, i): ToolScanResult => {
    const name = names[i] as string;
    const others = [...names.filter((_, j) => j !== i), ...known];
    const { findings, unlisted } = scanDefinition(tool, name, others, new Set(names));
    if (names.indexOf(name) !== i) {
      findings.push(
        whole(name, 'name', 'tool-name-collision', 'high', `a second tool is named "${name}" in this list`),
      );
    } else if (known.includes(name)) {
      findings.push(
        whole(
          name,
          'name',
          'tool-name-collision',
          'high',
          `"${name}" is also the name of a tool of another server`,
        ),
      );
    }
    const lookalike = lookalikes.get(i);
    if (lookalike !== undefined) {
      findings.push(
        whole(
          name,
          'name',
          'tool-name-lookalike',
          'high',
          `"${name}" imitates the tool name "${lookalike.other}": ${lookalike.how}`,
        ),
      );
    }
    return { tool: name, digest: digestToolDefinition(tool), ...capToolFindings(name, findings, unlisted) };
  });
  const counts = noCounts();
  const omitted = noCounts();
  for (const r of results) {
    addCounts(counts, r.counts);
    addCounts(omitted, r.omitted);
  }
  return { tools: results, findings: results.flatMap((r) => r.findings), ...summarize(counts, omitted) };
}

/**
 * Scans one tool definition; see {@link scanTools}. `otherTools` are the names
 * of the tools it could shadow.
 *
 * @example
 * const findings = scanToolDefinition(tool, { otherTools: ['send_email'] });
 */
export function scanToolDefinition(
  tool: unknown,
  options: { otherTools?: readonly string[] } = {},
): ToolFinding[] {
  checkOptions(options);
  const name = toolName(tool, '(tool)');
  const { findings, unlisted } = scanDefinition(
    tool,
    name,
    (options.otherTools ?? []).filter((n) => n !== name),
  );
  return capToolFindings(name, findings, unlisted).findings;
}

/**
 * `(f) => general.find((g) => g.kind === f.kind && g.start < f.end && f.start < g.end)`
 * in O(log n) per call: a linear `find` per finding was quadratic when one
 * string has very many matches. Relies on `general` being in order of
 * position (as `scan` returns findings): per kind, the findings starting
 * before `f.end` are a prefix, and the first of them ending after `f.start`
 * is the first whose running maximum of `end` exceeds it.
 */
function createTwinFinder(
  general: readonly ToolFinding[],
): (f: { kind: string; start: number; end: number }) => ToolFinding | undefined {
  const byKind = new Map<string, { items: ToolFinding[]; maxEnd: number[] }>();
  for (const g of general) {
    let list = byKind.get(g.kind);
    if (list === undefined) {
      list = { items: [], maxEnd: [] };
      byKind.set(g.kind, list);
    }
    const last = list.maxEnd.length === 0 ? Number.NEGATIVE_INFINITY : list.maxEnd[list.maxEnd.length - 1]!;
    list.items.push(g);
    list.maxEnd.push(Math.max(last, g.end));
  }
  return (f) => {
    const list = byKind.get(f.kind);
    if (list === undefined) return undefined;
    // First index whose start is at or after f.end: the candidates lie before it.
    let lo = 0;
    let hi = list.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list.items[mid]!.start < f.end) lo = mid + 1;
      else hi = mid;
    }
    const limit = lo;
    lo = 0;
    hi = limit;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list.maxEnd[mid]! > f.start) hi = mid;
      else lo = mid + 1;
    }
    return lo < limit ? list.items[lo] : undefined;
  };
}

function scanDefinition(
  tool: unknown,
  name: string,
  others: readonly string[],
  siblings: ReadonlySet<string> = new Set(),
): { findings: ToolFinding[]; unlisted: ReturnType<typeof noCounts> } {
  // Every finding is kept here and capped by the caller, most severe first:
  // a first-come cap let 300 low findings hide a high one.
  const findings: ToolFinding[] = [];
  const unlisted = noCounts();
  const push = (f: ToolFinding) => {
    findings.push(f);
  };
  if (!validName.test(name)) {
    push(whole(name, 'name', 'tool-name-invalid', 'medium', 'tool names should be 1–128 of [A-Za-z0-9_.-]'));
  }
  for (const field of collectStrings(tool, '')) {
    if (isIconData(field)) continue;
    const scanned = scan(field.text);
    addCounts(unlisted, scanned.omitted);
    const general: ToolFinding[] = scanned.findings.map((f) => ({ tool: name, path: field.path, ...f }));
    const own: ToolFinding[] = [];
    const findTwin = createTwinFinder(general);
    for (const f of scanToolText(field.text, others, siblings)) {
      // The same signature found by both: one finding, at the severity it has in a tool definition.
      const twin = findTwin(f);
      if (twin === undefined) own.push({ tool: name, path: field.path, ...f });
      else if (rank[f.severity] > rank[twin.severity]) twin.severity = f.severity;
    }
    for (const f of [...general, ...own]) push(f);
    if (!field.key)
      for (const f of scanPreferenceText(field.text)) push({ tool: name, path: field.path, ...f });
  }
  for (const f of scanDefinitionFields(tool as Record<string, unknown>)) push({ tool: name, ...f });
  return { findings: findings.map(({ rule: _rule, ...f }: ToolFinding & { rule?: string }) => f), unlisted };
}

type TextFinding = Omit<ToolFinding, 'tool' | 'path'>;

// Linear-time patterns: alternations of literals, bounded gaps, no nested quantifiers.
const instructionCue =
  /\b(?:must|always|never|instead|before|after|whenever|do not|don't|should|required|ensure|make sure|only use)\b/i;
const genericShadowing =
  /\b(?:all|any|every|other)\s{1,4}(?:other\s{1,4})?tools?\b|\binstead\s{1,4}of\s{1,4}(?:using|calling)\b|\b(?:when|whenever|before|after)\s{1,4}(?:using|calling|invoking)\s{1,4}(?:the|any|a)\b/gi;
const sensitivePath =
  /~\/\.ssh\b|\bid_(?:rsa|ed25519|ecdsa)\b|\.aws\/credentials|\/etc\/(?:passwd|shadow)\b|\bmcp\.json\b|\.cursor\/|\bclaude_desktop_config\.json\b|\B\.env\b|\.npmrc\b|\.netrc\b|\.git-credentials\b/gi;
const exfiltration =
  /\b(?:send|post|upload|forward|email|mail|transmit|exfiltrate|copy|bcc|cc)\b[^.\n]{0,80}?(?:(?:\bto\b|:)\s{0,4})?(?:https?:\/\/[^\s"'<>]{1,200}|[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8})/gi;

// Injection phrasing as it appears in poisoned tool descriptions. `@ctxpack/escape`
// has general detectors of the same kinds; these are kept so a tool scan does
// not depend on their tuning, and overlapping duplicates are dropped.
const phraseRules: readonly { kind: string; pattern: RegExp; message: string }[] = [
  {
    kind: 'coercive-tag',
    pattern:
      /<\s{0,4}\/?\s{0,4}(?:important|system|instructions?|secret|hidden|admin|critical|mandatory|override)\b[^<>\n]{0,80}>/gi,
    message: "a pseudo tag that demands the model's obedience",
  },
  {
    kind: 'instruction-override',
    pattern:
      /\b(?:ignore|disregard|forget|override)\s{1,4}(?:all\s{1,4}|any\s{1,4}|the\s{1,4})?(?:previous|prior|above|earlier|preceding|your|system)\s{1,4}(?:instructions|prompts?|messages|rules|guidelines)\b/gi,
    message: 'tells the model to ignore its instructions',
  },
  {
    kind: 'concealment',
    pattern:
      /\b(?:do\s{1,4}not|don't|never)\s{1,4}(?:tell|inform|mention|reveal|notify|show|alert)\b[^.\n]{0,60}?\b(?:user|human|anyone)\b|\bwithout\s{1,4}(?:telling|informing|asking|notifying|alerting)\s{1,4}the\s{1,4}(?:user|human)\b/gi,
    message: 'tells the model to hide what it does from the user',
  },
];

/** Tool-specific checks on one string: shadowing, credential paths, exfiltration orders. */
function scanToolText(text: string, others: readonly string[], siblings: ReadonlySet<string>): TextFinding[] {
  const out: TextFinding[] = [];
  const lower = text.toLowerCase();
  const cue = instructionCue.test(text);
  for (const other of others) {
    if (other.length < 3) continue;
    const needle = other.toLowerCase();
    for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + needle.length)) {
      if (!isWordBoundary(lower, at - 1) || !isWordBoundary(lower, at + needle.length)) continue;
      // `DEPRECATED: Use read_text_file instead.` names its replacement in the same list: not shadowing.
      const pointer = siblings.has(other) && isDeprecationPointer(text, at, at + needle.length);
      out.push({
        kind: 'tool-shadowing',
        severity: pointer ? 'low' : cue ? 'high' : 'medium',
        start: at,
        end: at + needle.length,
        message: pointer
          ? `points to its replacement in the same server, "${other}" (deprecation notice)`
          : cue
            ? `gives instructions about another tool, "${other}" (tool shadowing)`
            : `mentions another tool, "${other}"`,
      });
      break;
    }
  }
  for (const m of text.matchAll(genericShadowing)) {
    out.push({
      kind: 'tool-shadowing',
      severity: 'medium',
      start: m.index,
      end: m.index + m[0].length,
      message: `speaks about other tools ("${m[0]}")`,
    });
  }
  for (const m of text.matchAll(sensitivePath)) {
    out.push({
      kind: 'sensitive-path',
      severity: 'high',
      start: m.index,
      end: m.index + m[0].length,
      message: `refers to a credential or configuration file (${m[0]})`,
    });
  }
  for (const rule of phraseRules) {
    for (const m of text.matchAll(rule.pattern)) {
      out.push({
        kind: rule.kind,
        severity: 'high',
        start: m.index,
        end: m.index + m[0].length,
        message: rule.message,
      });
    }
  }
  for (const m of text.matchAll(exfiltration)) {
    out.push({
      kind: 'exfiltration-instruction',
      severity: 'high',
      start: m.index,
      end: m.index + m[0].length,
      message: 'orders data to be sent to an address or URL',
    });
  }
  return out;
}

const validName = /^[A-Za-z0-9_.-]{1,128}$/;

function isWordBoundary(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return true;
  return !/[\p{L}\p{N}_]/u.test(text[index] as string);
}

// Icons are images for UIs (`data:` URIs, often kilobytes of base64), not text a model reads.
function isIconData(field: DefinitionString): boolean {
  return !field.key && /^icons\[\d+\]\.src$/.test(field.path) && field.text.startsWith('data:');
}

function toolName(tool: unknown, path: string): string {
  if (typeof tool !== 'object' || tool === null || Array.isArray(tool)) {
    throw new InvalidMcpInputError({ path, message: 'expected a tool definition object', value: tool });
  }
  const name = (tool as Record<string, unknown>)['name'];
  if (typeof name !== 'string')
    throw new InvalidMcpInputError({ path: `${path}.name`, message: 'expected a string', value: name });
  return name;
}

function whole(
  tool: string,
  path: string,
  kind: string,
  severity: ToolSeverity,
  message: string,
): ToolFinding {
  return { tool, path, kind, severity, start: 0, end: path === 'name' ? tool.length : 0, message };
}

const rank: Record<ToolSeverity, number> = { low: 1, medium: 2, high: 3 };

function checkOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidMcpInputError({ path: 'options', message: 'expected an object', value: options });
  }
}
