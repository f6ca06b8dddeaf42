import { InvalidArgumentError } from '@ctxpack/block';
import { assertArray, assertInteger, isRecord } from '@ctxpack/block/kernel';
import type { Severity } from './finding.js';

/** A count per severity. */
export type SeverityCounts = Record<Severity, number>;

/** What a capped list of findings stands for: counts and `highest` cover every finding, listed or not. */
export interface FindingSummary {
  /** The most severe finding of all (`none` when there is none), computed before any cap. */
  highest: Severity | 'none';
  /** Findings per severity, all of them. */
  counts: SeverityCounts;
  /** Findings per severity that were counted but not listed. */
  omitted: SeverityCounts;
  /** Sum of `omitted`. */
  omittedFindings: number;
}

const ORDER: readonly Severity[] = ['high', 'medium', 'low'];

/**
 * Caps `findings` at `maxFindings` without letting a flood of minor findings
 * hide a severe one: counts and `highest` are taken over every finding, the
 * most severe are kept first (all highs, then mediums, then lows, up to the
 * cap), and the kept ones stay in their original order. Linear.
 *
 * @example
 * const { findings, highest, omitted } = capFindings(all, 100);
 * if (highest === 'high') refuse(); // true even when 10,000 low findings came first
 */
export function capFindings<T extends { severity: Severity }>(
  findings: readonly T[],
  maxFindings: number,
): FindingSummary & { findings: T[] } {
  assertArray(findings, 'findings');
  assertInteger(maxFindings, 'maxFindings');
  const counts: SeverityCounts = { high: 0, medium: 0, low: 0 };
  for (let i = 0; i < findings.length; i++) {
    const f: unknown = findings[i];
    const severity = isRecord(f) ? f['severity'] : undefined;
    if (severity !== 'high' && severity !== 'medium' && severity !== 'low') {
      throw new InvalidArgumentError({
        path: `findings[${i}].severity`,
        expected: "'low', 'medium' or 'high'",
        value: severity,
      });
    }
    counts[severity]++;
  }
  const highest = ORDER.find((s) => counts[s] > 0) ?? 'none';
  const keep: SeverityCounts = { high: 0, medium: 0, low: 0 };
  let room = maxFindings;
  for (const s of ORDER) {
    keep[s] = Math.min(counts[s], room);
    room -= keep[s];
  }
  const omitted: SeverityCounts = {
    high: counts.high - keep.high,
    medium: counts.medium - keep.medium,
    low: counts.low - keep.low,
  };
  const omittedFindings = omitted.high + omitted.medium + omitted.low;
  if (omittedFindings === 0) return { findings: findings.slice(), highest, counts, omitted, omittedFindings };
  const kept: T[] = [];
  for (const f of findings) {
    if (keep[f.severity] > 0) {
      keep[f.severity]--;
      kept.push(f);
    }
  }
  return { findings: kept, highest, counts, omitted, omittedFindings };
}
