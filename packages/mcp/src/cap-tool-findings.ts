import type { FindingSummary, SeverityCounts } from '@ctxpack/escape';
import { capFindings } from '@ctxpack/escape';
import { MCP_LIMITS } from './limits.js';
import type { ToolFinding } from './scan-tools.js';

const SEVERITIES = ['high', 'medium', 'low'] as const;

/** A count per severity, all zero. */
export function noCounts(): SeverityCounts {
  return { high: 0, medium: 0, low: 0 };
}

/** Adds `b` into `a`. */
export function addCounts(a: SeverityCounts, b: Readonly<SeverityCounts>): void {
  for (const s of SEVERITIES) a[s] += b[s];
}

/** The summary of counts that cover every finding. */
export function summarize(counts: SeverityCounts, omitted: SeverityCounts): FindingSummary {
  const highest = SEVERITIES.find((s) => counts[s] > 0) ?? 'none';
  return { highest, counts, omitted, omittedFindings: omitted.high + omitted.medium + omitted.low };
}

/**
 * Caps one tool's findings at `MCP_LIMITS.maxFindingsPerTool`, most severe
 * first, so 300 low findings in a `title` cannot push tag smuggling in the
 * `description` out of the list. `unlisted` counts findings the text scanner
 * already left out. When anything is left out, a final `finding-limit`
 * finding (at the severity of the worst one left out) says how many of each.
 */
export function capToolFindings(
  tool: string,
  findings: readonly ToolFinding[],
  unlisted: Readonly<SeverityCounts>,
): FindingSummary & { findings: ToolFinding[] } {
  const capped = capFindings(findings, MCP_LIMITS.maxFindingsPerTool);
  const counts = { ...capped.counts };
  addCounts(counts, unlisted);
  const omitted = { ...capped.omitted };
  addCounts(omitted, unlisted);
  const summary = summarize(counts, omitted);
  const listed = capped.findings;
  if (summary.omittedFindings > 0) {
    const worst = SEVERITIES.find((s) => omitted[s] > 0) ?? 'low';
    const each = SEVERITIES.filter((s) => omitted[s] > 0).map((s) => `${omitted[s]} ${s}`);
    listed.push({
      tool,
      path: '',
      kind: 'finding-limit',
      severity: worst,
      start: 0,
      end: 0,
      message: `${summary.omittedFindings} more findings not listed (${each.join(', ')}; MCP_LIMITS.maxFindingsPerTool = ${MCP_LIMITS.maxFindingsPerTool})`,
    });
  }
  return { ...summary, findings: listed };
}

/** The summary of a list that is complete (nothing omitted). */
export function summarizeListed(findings: readonly { severity: ToolFinding['severity'] }[]): FindingSummary {
  const counts = noCounts();
  for (const f of findings) counts[f.severity]++;
  return summarize(counts, noCounts());
}
