import { InvalidArgumentError } from '@ctxpack/block';
import { createLineIndex } from '@ctxpack/block/kernel';
import { digestContent } from '@ctxpack/provenance';
import { InvalidMcpInputError } from './invalid-mcp-input-error.js';
import type { ToolFinding, ToolSeverity } from './scan-tools.js';
import { scanToolDefinition } from './scan-tools.js';

/** A finding in a skills or rules file, with its line and column (1-based). */
export interface RulesFinding {
  file: string;
  kind: string;
  severity: ToolSeverity;
  start: number;
  end: number;
  line: number;
  column: number;
  message: string;
  decoded?: string;
}

/** The scan of one rules file. */
export interface RulesScanResult {
  file: string;
  /** `sha256:` of the file's UTF-8 bytes: what {@link pinRulesFiles} records. */
  digest: string;
  findings: RulesFinding[];
  highest: ToolSeverity | 'none';
}

/** Largest rules file scanned (4 MiB of UTF-16): skills and rules files are prose, not data. */
export const MAX_RULES_CHARS: number = 4 * 1024 * 1024;

// Linear: literal openers, bounded attribute gaps.
const hiddenStyle =
  /<[a-z][a-z0-9]{0,15}\b[^<>]{0,200}?style\s{0,4}=\s{0,4}["'][^"'<>]{0,200}?(?:display\s{0,4}:\s{0,4}none|visibility\s{0,4}:\s{0,4}hidden|font-size\s{0,4}:\s{0,4}0(?![.\d])|opacity\s{0,4}:\s{0,4}0(?![.\d]))[^<>]{0,200}>/gi;
const markdownComment = /^\[(?:\/\/|comment|_)\]:\s{0,4}(?:#|<>)\s{0,4}[("'][^\n]{0,2000}$/gim;
const instructionWords =
  /\b(?:must|always|never|ignore|disregard|do\s{1,4}not|don't|before|instead|send|upload|run|execute|curl|wget|secret|token|password|system\s{1,4}prompt)\b/i;

/**
 * Scans a skills or rules file an agent loads as instructions (`SKILL.md`,
 * `AGENTS.md`, `CLAUDE.md`, `.cursorrules`, …) for what a reviewer reading
 * the rendered file would not see: HTML comments, markdown comments
 * (`[//]: # (…)`), elements styled invisible, and invisible Unicode
 * (smuggling, bidi, zero-width — via `@ctxpack/escape`); and for injection
 * heuristics anywhere (instruction overrides, concealment, exfiltration
 * orders, coercive tags, special tokens). Hidden regions that carry
 * instructions are `hidden-instructions` (high). Credential paths are
 * `medium` in visible text (rules files name `.env` legitimately) and `high`
 * inside hidden text.
 *
 * @throws {InvalidMcpInputError} when `text` is not a string or exceeds {@link MAX_RULES_CHARS}.
 * @example
 * const { findings, highest } = scanRulesFile(await readFile('AGENTS.md', 'utf8'), { file: 'AGENTS.md' });
 */
export function scanRulesFile(text: string, options: { file: string }): RulesScanResult {
  if (typeof options !== 'object' || options === null || typeof options.file !== 'string') {
    throw new InvalidArgumentError({
      path: 'options',
      expected: 'an object with a string file',
      value: options,
    });
  }
  if (typeof text !== 'string')
    throw new InvalidMcpInputError({ path: options.file, message: 'expected text', value: text });
  if (text.length > MAX_RULES_CHARS) {
    throw new InvalidMcpInputError({
      path: options.file,
      message: `has ${text.length} characters; the limit is MAX_RULES_CHARS = ${MAX_RULES_CHARS}`,
      value: text.length,
    });
  }
  const hidden = findHiddenRegions(text);
  const general: ToolFinding[] = scanToolDefinition({ name: 'rules', text }).filter(
    (f) => f.path === 'text' && !f.kind.startsWith('tool-name'),
  );
  const inHidden = (start: number, end: number) => hidden.some((h) => h.start <= start && end <= h.end);
  const findings: Omit<RulesFinding, 'line' | 'column' | 'file'>[] = [];
  for (const f of general) {
    const severity = f.kind === 'sensitive-path' && !inHidden(f.start, f.end) ? 'medium' : f.severity;
    findings.push({
      kind: f.kind,
      severity,
      start: f.start,
      end: f.end,
      message: f.message,
      ...(f.decoded === undefined ? {} : { decoded: f.decoded }),
    });
  }
  for (const h of hidden) {
    const inner = text.slice(h.start, h.end);
    const carries =
      instructionWords.test(inner) ||
      general.some((f) => f.start >= h.start && f.end <= h.end && f.severity !== 'low');
    findings.push({
      kind: carries ? 'hidden-instructions' : h.kind,
      severity: carries ? 'high' : 'medium',
      start: h.start,
      end: h.end,
      message: carries
        ? `${h.label} that gives instructions the rendered file does not show`
        : `${h.label}: text the rendered file does not show`,
    });
  }
  findings.sort((a, b) => a.start - b.start || rank[b.severity] - rank[a.severity]);
  const position = createLineIndex(text);
  const located = findings.map((f) => ({ file: options.file, ...f, ...position(f.start) }));
  let highest: ToolSeverity | 'none' = 'none';
  for (const f of located) if (highest === 'none' || rank[f.severity] > rank[highest]) highest = f.severity;
  return {
    file: options.file,
    digest: digestContent(new TextEncoder().encode(text)),
    findings: located,
    highest,
  };
}

/** Pins of rules files: the digest of each file's bytes, by path. Store as JSON. */
export interface RulesPins {
  version: 1;
  files: Record<string, { digest: string }>;
}

/**
 * Pins rules files by content digest, like tools: a later edit (a rug pull in
 * a shared `AGENTS.md`) shows up in {@link diffRulesPins}.
 *
 * @example
 * const pins = pinRulesFiles([{ file: 'AGENTS.md', text }]);
 */
export function pinRulesFiles(files: readonly { file: string; text: string }[]): RulesPins {
  const pins: RulesPins = { version: 1, files: {} };
  for (const { file, text } of checkFiles(files)) {
    Object.defineProperty(pins.files, file, {
      value: { digest: digestContent(new TextEncoder().encode(text)) },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return pins;
}

/**
 * The files whose content differs from the pins (`changed`), or that have no pin (`added`).
 *
 * @throws {InvalidMcpInputError} when `pins` is not a rules pin file.
 * @example
 * for (const c of diffRulesPins(pins, files)) console.warn(`${c.kind} ${c.file}`);
 */
export function diffRulesPins(
  pins: RulesPins,
  files: readonly { file: string; text: string }[],
): { kind: 'added' | 'changed'; file: string; before?: string; after: string }[] {
  if (
    typeof pins !== 'object' ||
    pins === null ||
    pins.version !== 1 ||
    typeof pins.files !== 'object' ||
    pins.files === null
  ) {
    throw new InvalidMcpInputError({
      path: '(pins)',
      message: 'expected a rules pin file { version: 1, files }',
    });
  }
  const changes: { kind: 'added' | 'changed'; file: string; before?: string; after: string }[] = [];
  for (const { file, text } of checkFiles(files)) {
    const after = digestContent(new TextEncoder().encode(text));
    const pin = Object.hasOwn(pins.files, file) ? pins.files[file] : undefined;
    if (pin === undefined) changes.push({ kind: 'added', file, after });
    else if (pin.digest !== after) changes.push({ kind: 'changed', file, before: pin.digest, after });
  }
  return changes;
}

function checkFiles(files: readonly { file: string; text: string }[]): { file: string; text: string }[] {
  if (!Array.isArray(files))
    throw new InvalidArgumentError({ path: 'files', expected: 'an array of { file, text }', value: files });
  return files.map((f, i) => {
    if (typeof f?.file !== 'string' || typeof f?.text !== 'string') {
      throw new InvalidArgumentError({
        path: `files[${i}]`,
        expected: '{ file: string, text: string }',
        value: f,
      });
    }
    return f;
  });
}

interface Hidden {
  start: number;
  end: number;
  kind: string;
  label: string;
}

function findHiddenRegions(text: string): Hidden[] {
  const out: Hidden[] = [];
  // HTML comments by indexOf: linear, and an unclosed comment hides the rest of the file.
  for (let at = text.indexOf('<!--'); at !== -1; ) {
    const close = text.indexOf('-->', at + 4);
    const end = close === -1 ? text.length : close + 3;
    out.push({ start: at, end, kind: 'html-comment', label: 'an HTML comment' });
    at = close === -1 ? -1 : text.indexOf('<!--', end);
  }
  for (const m of text.matchAll(markdownComment)) {
    out.push({
      start: m.index,
      end: m.index + m[0].length,
      kind: 'markdown-comment',
      label: 'a markdown comment',
    });
  }
  for (const m of text.matchAll(hiddenStyle)) {
    const tag = /^<([a-z][a-z0-9]{0,15})/i.exec(m[0])?.[1] ?? 'span';
    const close = text.toLowerCase().indexOf(`</${tag.toLowerCase()}`, m.index + m[0].length);
    const end = close === -1 ? Math.min(text.length, m.index + m[0].length + 2000) : close;
    out.push({ start: m.index, end, kind: 'hidden-html', label: 'an element styled invisible' });
  }
  return out;
}

const rank: Record<ToolSeverity, number> = { low: 1, medium: 2, high: 3 };
