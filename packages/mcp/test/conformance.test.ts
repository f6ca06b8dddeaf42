// Conformance over the MCP specification's own examples (copied with their
// sources into test/fixtures/mcp, see its README), with differential
// agreement against the Zod schemas of @modelcontextprotocol/core (the v2
// TypeScript SDK) where it has them.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  diffToolPins,
  McpInputRequiredError,
  pinTools,
  scanElicitation,
  scanPrompts,
  scanResources,
  scanTools,
  toolResultToBlock,
} from '@ctxpack/mcp';
import * as core from '@modelcontextprotocol/core';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../test/fixtures/mcp/', import.meta.url));
const VERSIONS = ['2025-06-18', '2025-11-25', '2026-07-28'] as const;
type Json = Record<string, unknown>;

interface Example {
  version: string;
  file: string;
  value: Json;
}

const examples: Example[] = VERSIONS.flatMap((version) =>
  readdirSync(`${root}${version}`)
    .sort()
    .map((file) => ({
      version,
      file,
      value: JSON.parse(readFileSync(`${root}${version}/${file}`, 'utf8')) as Json,
    })),
);

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const typed = (prefix: string) => examples.filter((e) => e.file.startsWith(`${prefix}--`));
const resultOf = (e: Example) => (isRecord(e.value['result']) ? e.value['result'] : e.value);
const options = { tenant: 't', server: 's', tool: 'x', callId: 'c' };

function accepts(result: unknown): boolean {
  try {
    toolResultToBlock(result, options);
    return true;
  } catch (e) {
    if (McpInputRequiredError.isInstance(e)) return true;
    return false;
  }
}

// Reverses key order at every depth: pins must not depend on it.
function reorder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorder);
  if (!isRecord(value)) return value;
  const out: Json = {};
  for (const key of Object.keys(value).reverse()) out[key] = reorder(value[key]);
  return out;
}

const toolLists = examples.flatMap((e) => {
  const r = resultOf(e);
  if (Array.isArray(r['tools'])) return [{ ...e, tools: r['tools'] as unknown[] }];
  if (e.file.startsWith('Tool--')) return [{ ...e, tools: [e.value] }];
  return [];
});
const callResults = examples.filter((e) => {
  const r = resultOf(e);
  return (
    (Array.isArray(r['content']) || r['resultType'] === 'input_required') &&
    !('role' in r) &&
    !('contents' in r)
  );
});

describe('the spec examples are all here', () => {
  it('has examples of each version, and of every shape the adapter reads', () => {
    for (const v of VERSIONS) expect(examples.filter((e) => e.version === v).length).toBeGreaterThan(30);
    expect(toolLists.length).toBeGreaterThanOrEqual(8);
    expect(callResults.length).toBeGreaterThanOrEqual(10);
  });
});

describe('tool definitions', () => {
  it.each(toolLists.map((t) => [`${t.version}/${t.file}`, t] as const))(
    '%s: scanned without a high finding, valid for core, pinned independent of key order',
    (_name, t) => {
      const report = scanTools(t.tools);
      expect(report.findings.filter((f) => f.severity === 'high')).toEqual([]);
      for (const tool of t.tools) expect(core.ToolSchema.safeParse(tool).success).toBe(true);
      const pins = pinTools(t.tools);
      expect(diffToolPins(pins, t.tools.map(reorder))).toEqual([]);
      expect(pinTools(t.tools.map(reorder), { now: new Date(pins.pinnedAt) })).toEqual(pins);
    },
  );
});

describe('tool results: the adapter and @modelcontextprotocol/core agree', () => {
  it.each(callResults.map((e) => [`${e.version}/${e.file}`, e] as const))('%s', (_name, e) => {
    const result = resultOf(e);
    expect(accepts(result)).toBe(core.CallToolResultSchema.safeParse(result).success);
    if (result['resultType'] === 'input_required') {
      expect(() => toolResultToBlock(result, options)).toThrow(McpInputRequiredError);
    } else {
      expect(toolResultToBlock(result, options).trust).toBe('untrusted');
    }
  });

  // Mutations of each example that make it invalid: both must reject.
  const mutations: [string, (r: Json) => unknown][] = [
    ['content not an array', (r) => ({ ...r, content: 'text' })],
    ['a text part without text', (r) => ({ ...r, content: [{ type: 'text' }] })],
    ['an image without data', (r) => ({ ...r, content: [{ type: 'image', mimeType: 'image/png' }] })],
    ['a resource without uri', (r) => ({ ...r, content: [{ type: 'resource', resource: { text: 'x' } }] })],
    ['isError a string', (r) => ({ ...r, isError: 'yes' })],
    ['_meta an array', (r) => ({ ...r, _meta: [] })],
    ['a resource_link without uri', (r) => ({ ...r, content: [{ type: 'resource_link', name: 'x' }] })],
  ];
  const complete = callResults.filter((e) => resultOf(e)['resultType'] !== 'input_required');
  it.each(mutations)('%s is rejected by both, for every example', (_name, mutate) => {
    for (const e of complete) {
      const bad = mutate(resultOf(e));
      expect([accepts(bad), core.CallToolResultSchema.safeParse(bad).success], e.file).toEqual([
        false,
        false,
      ]);
    }
  });
});

describe('content blocks, one example per type', () => {
  const blocks = [
    ...typed('TextContent'),
    ...typed('ImageContent'),
    ...typed('AudioContent'),
    ...typed('ResourceLink'),
    ...typed('EmbeddedResource'),
  ];
  it.each(blocks.map((e) => [e.file, e] as const))(
    '%s converts, and core agrees it is a ContentBlock',
    (_name, e) => {
      expect(core.ContentBlockSchema.safeParse(e.value).success).toBe(true);
      const block = toolResultToBlock({ content: [e.value] }, options);
      expect(block.content.length).toBeGreaterThan(0);
    },
  );

  const sampling = [...typed('ToolUseContent'), ...typed('ToolResultContent'), ...typed('SamplingMessage')];
  it.each(sampling.map((e) => [e.file, e] as const))('%s: sampling-era content renders', (_name, e) => {
    const parts = e.file.startsWith('SamplingMessage') ? e.value['content'] : e.value;
    const content = Array.isArray(parts) ? parts : [parts];
    for (const part of content)
      expect(core.SamplingMessageContentBlockSchema.safeParse(part).success).toBe(true);
    expect(toolResultToBlock({ content }, options).content).not.toContain('unsupported');
  });
});

describe('prompts, resources and elicitation requests', () => {
  const lists = examples.flatMap((e) => {
    const r = resultOf(e);
    return [
      ...(Array.isArray(r['prompts'])
        ? [{ e, kind: 'prompts' as const, items: r['prompts'] as unknown[] }]
        : []),
      ...(Array.isArray(r['resources'])
        ? [{ e, kind: 'resources' as const, items: r['resources'] as unknown[] }]
        : []),
    ];
  });
  it.each(lists.map((l) => [`${l.e.version}/${l.e.file} (${l.kind})`, l] as const))(
    '%s: no high finding; core agrees on every entry',
    (_name, l) => {
      const report = l.kind === 'prompts' ? scanPrompts(l.items) : scanResources(l.items);
      expect(report.findings.filter((f) => f.severity === 'high')).toEqual([]);
      const schema = l.kind === 'prompts' ? core.PromptSchema : core.ResourceSchema;
      for (const item of l.items) expect(schema.safeParse(item).success).toBe(true);
    },
  );

  const elicitations = examples.filter((e) => e.value['method'] === 'elicitation/create');
  it.each(elicitations.map((e) => [`${e.version}/${e.file}`, e] as const))(
    '%s: the spec’s own elicitation requests raise no high finding',
    (_name, e) => {
      expect(core.ElicitRequestSchema.safeParse(e.value).success).toBe(true);
      expect(scanElicitation(e.value).filter((f) => f.severity === 'high')).toEqual([]);
    },
  );
  it('covers both versions’ lists and form and URL elicitation', () => {
    expect(lists.length).toBeGreaterThanOrEqual(6);
    expect(elicitations.length).toBeGreaterThanOrEqual(4);
    expect(elicitations.some((e) => (e.value['params'] as Json)['mode'] === 'url')).toBe(true);
  });
});
