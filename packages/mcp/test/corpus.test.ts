import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ToolFinding, ToolSeverity } from '@ctxpack/mcp';
import { scanElicitation, scanPrompts, scanResources, scanToolResult, scanTools } from '@ctxpack/mcp';
import { describe, expect, it } from 'vitest';
import { POISONED_CORPUS, type PoisonedCase } from './fixtures/poisoned-corpus.js';
import type { ServerLists } from './support/reference-servers.js';
import { collectServerLists, locateServer, REFERENCE_SERVERS } from './support/reference-servers.js';

const fixtureDir = fileURLToPath(new URL('./fixtures/reference-servers/', import.meta.url));
const savedLists = (): ServerLists[] =>
  readdirSync(fixtureDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(`${fixtureDir}${f}`, 'utf8')) as ServerLists);

const severities: readonly ToolSeverity[] = ['high', 'medium', 'low'];
const rank: Record<ToolSeverity | 'none', number> = { none: 0, low: 1, medium: 2, high: 3 };

function countBySeverity(findings: readonly ToolFinding[]): Record<ToolSeverity, number> {
  const counts = { high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

function scanLists(lists: ServerLists): ToolFinding[] {
  const out: ToolFinding[] = [];
  for (const f of scanTools(lists.tools).findings) out.push(f);
  for (const f of scanPrompts(lists.prompts).findings) out.push(f);
  for (const f of scanResources(lists.resources).findings) out.push(f);
  for (const f of scanResources(lists.resourceTemplates).findings) out.push(f);
  return out;
}

function scanCase(c: PoisonedCase): ToolFinding[] {
  const options = c.knownTools === undefined ? {} : { knownTools: c.knownTools };
  switch (c.kind) {
    case 'tools':
      return scanTools(c.value as unknown[], options).findings;
    case 'prompts':
      return scanPrompts(c.value as unknown[], options).findings;
    case 'resources':
      return scanResources(c.value as unknown[], options).findings;
    case 'result':
      return scanToolResult(c.value, 'tool');
    case 'elicitation':
      return scanElicitation(c.value);
  }
}

function highestOf(findings: readonly ToolFinding[]): ToolSeverity | 'none' {
  let best: ToolSeverity | 'none' = 'none';
  for (const f of findings) if (rank[f.severity] > rank[best]) best = f.severity;
  return best;
}

describe('benign corpus: the reference servers on npm', () => {
  it('has the saved lists of five servers, with their versions', () => {
    const lists = savedLists();
    expect(lists.map((l) => l.server)).toEqual(REFERENCE_SERVERS.map((s) => s.name).sort());
    for (const l of lists) expect(l.version).toBe(locateServer(l.server).version);
  });

  it('raises no high finding on any tool, prompt or resource of the saved lists (counts printed)', () => {
    const all: ToolFinding[] = [];
    let items = 0;
    for (const lists of savedLists()) {
      items +=
        lists.tools.length + lists.prompts.length + lists.resources.length + lists.resourceTemplates.length;
      for (const f of scanLists(lists)) all.push(f);
    }
    const counts = countBySeverity(all);
    console.log(
      `benign corpus: ${items} definitions from ${savedLists().length} servers — ${severities.map((s) => `${counts[s]} ${s}`).join(', ')}`,
    );
    expect(all.filter((f) => f.severity === 'high')).toEqual([]);
    expect(items).toBeGreaterThan(60);
  });

  it("keeps server-filesystem's read_file deprecation notice below medium", () => {
    const fs = savedLists().find((l) => l.server.endsWith('server-filesystem')) as ServerLists;
    const readFile = scanTools(fs.tools).tools.find((t) => t.tool === 'read_file');
    expect(readFile?.findings.map((f) => [f.kind, f.severity])).toEqual([['tool-shadowing', 'low']]);
  });

  it('builds the same lists live: each server started over stdio with the SDK client', {
    timeout: 120_000,
  }, async () => {
    const saved = new Map(savedLists().map((l) => [l.server, l]));
    for (const server of REFERENCE_SERVERS) {
      const live = await collectServerLists(server);
      const expected = saved.get(server.name) as ServerLists;
      // The same entries as the saved lists. Their schema text follows the SDK and zod the server resolves (caret
      // ranges of the server's, so a lockfile update changes it): compared by name, and scanned live.
      const names = (items: unknown[]) =>
        items.map((i) =>
          String((i as { uri?: unknown; name?: unknown }).uri ?? (i as { name?: unknown }).name),
        );
      expect(names(live.tools)).toEqual(names(expected.tools));
      expect(names(live.prompts)).toEqual(names(expected.prompts));
      expect(names(live.resources)).toEqual(names(expected.resources));
      expect(names(live.resourceTemplates)).toEqual(names(expected.resourceTemplates));
      expect(scanLists(live).filter((f) => f.severity === 'high')).toEqual([]);
    }
  });
});

describe('poisoned corpus', () => {
  it('finds every case at medium or above, most at high (counts printed)', () => {
    const highest: Record<string, ToolSeverity | 'none'> = {};
    const all: ToolFinding[] = [];
    for (const c of POISONED_CORPUS) {
      const findings = scanCase(c);
      for (const f of findings) all.push(f);
      highest[c.id] = highestOf(findings);
    }
    const perCase = { high: 0, medium: 0, low: 0, none: 0 };
    for (const h of Object.values(highest)) perCase[h]++;
    const counts = countBySeverity(all);
    console.log(
      `poisoned corpus: ${POISONED_CORPUS.length} cases — highest per case: ${perCase.high} high, ${perCase.medium} medium, ${perCase.low} low, ${perCase.none} none; findings: ${severities.map((s) => `${counts[s]} ${s}`).join(', ')}`,
    );
    for (const c of POISONED_CORPUS)
      expect.soft(rank[highest[c.id] ?? 'none'], c.id).toBeGreaterThanOrEqual(2);
    expect(perCase.high).toBeGreaterThan(POISONED_CORPUS.length * 0.75);
  });

  it.each(POISONED_CORPUS.map((c) => [c.id, c] as const))('%s is found in the poisoned field', (_id, c) => {
    const findings = scanCase(c).filter((f) => rank[f.severity] >= 2);
    expect(findings.length).toBeGreaterThan(0);
  });
});
