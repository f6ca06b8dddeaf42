// The reference MCP servers published on npm (devDependencies of @ctxpack/mcp,
// pinned), started over stdio with the official SDK client, so the corpus
// tests read what these servers really list.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const require = createRequire(import.meta.url);

export interface ReferenceServer {
  /** npm package name. */
  name: string;
  args: (dir: string) => string[];
  env?: (dir: string) => Record<string, string>;
}

export const REFERENCE_SERVERS: readonly ReferenceServer[] = [
  { name: '@modelcontextprotocol/server-everything', args: () => ['stdio'] },
  { name: '@modelcontextprotocol/server-filesystem', args: (dir) => [dir] },
  {
    name: '@modelcontextprotocol/server-memory',
    args: () => [],
    env: (dir) => ({ MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
  },
  { name: '@modelcontextprotocol/server-sequential-thinking', args: () => [] },
  // Lists its tools without a token; no tool is called.
  {
    name: '@modelcontextprotocol/server-github',
    args: () => [],
    env: () => ({ GITHUB_PERSONAL_ACCESS_TOKEN: 'unused-in-tests' }),
  },
];

/** `{ version, bin }` of an installed reference server. */
export function locateServer(name: string): { version: string; bin: string } {
  const manifestPath = require.resolve(`${name}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    version: string;
    bin: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : (Object.values(manifest.bin)[0] as string);
  return { version: manifest.version, bin: join(dirname(manifestPath), bin) };
}

/** What one server lists, as the SDK client returned it. */
export interface ServerLists {
  server: string;
  version: string;
  serverInfo: unknown;
  instructions: string | undefined;
  tools: unknown[];
  prompts: unknown[];
  resources: unknown[];
  resourceTemplates: unknown[];
}

async function listAll<T>(
  fetchPage: (cursor?: string) => Promise<{ nextCursor?: string | undefined }>,
  key: string,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const result = await fetchPage(cursor);
    for (const item of ((result as Record<string, unknown>)[key] as T[] | undefined) ?? []) out.push(item);
    cursor = result.nextCursor;
    if (cursor === undefined) break;
  }
  return out;
}

/** Starts `server` over stdio, collects its lists, and stops it. */
export async function collectServerLists(server: ReferenceServer): Promise<ServerLists> {
  const { version, bin } = locateServer(server.name);
  const dir = mkdtempSync(join(tmpdir(), 'ctxpack-mcp-ref-'));
  writeFileSync(join(dir, 'notes.txt'), 'hello\n');
  const client = new Client({ name: 'ctxpack-corpus', version: '0.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, ...server.args(dir)],
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', ...(server.env?.(dir) ?? {}) },
    stderr: 'ignore',
  });
  try {
    await client.connect(transport);
    const caps = client.getServerCapabilities() ?? {};
    const tools = caps.tools ? await listAll((cursor) => client.listTools({ cursor }), 'tools') : [];
    const prompts = caps.prompts ? await listAll((cursor) => client.listPrompts({ cursor }), 'prompts') : [];
    const resources = caps.resources
      ? await listAll((cursor) => client.listResources({ cursor }), 'resources')
      : [];
    const resourceTemplates = caps.resources
      ? await listAll((cursor) => client.listResourceTemplates({ cursor }), 'resourceTemplates')
      : [];
    return {
      server: server.name,
      version,
      serverInfo: client.getServerVersion(),
      instructions: client.getInstructions(),
      tools,
      prompts,
      resources,
      resourceTemplates,
    };
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
