import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, generateKeyPair, type ImportTarget, importRequest } from 'ctxpack';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBin } from './cli-harness.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const BUDGETS = [2000, 8000, 32_000];
const ENCODINGS = ['o200k_base', 'cl100k_base'] as const;

/** The module each contender is loaded from; the test resolves them itself, from the CLI's own directory. */
const PEER_MODULES: Record<string, string> = {
  'gpt-tokenizer': 'gpt-tokenizer/encoding/o200k_base',
  '@vscode/prompt-tsx': '@vscode/prompt-tsx',
  'LangChain trimMessages': '@langchain/core/messages',
  '@impowering/priompt': '@impowering/priompt',
};

interface BenchJson {
  target: string;
  blocks: number;
  encodings: {
    encoding: string;
    cells: {
      budget: number;
      ctxpack: { tokens: number; kept: number; truncated: number; dropped: number; coldMs: number };
      peers: Record<string, { status: string; kept?: number; tokens?: number; ratio?: number | null }>;
    }[];
  }[];
}

const installed = new Map<string, boolean>();
const FIT_ONLY = "ctxpack fit (peers' terms)";

beforeAll(async () => {
  ensureBuilt();
  for (const [name, specifier] of Object.entries(PEER_MODULES)) {
    installed.set(
      name,
      await import(specifier).then(
        () => true,
        () => false,
      ),
    );
  }
}, 600_000);

async function assembleCounts(
  target: ImportTarget,
  file: string,
  encoding: (typeof ENCODINGS)[number],
  budget: number,
) {
  const imported = importRequest(target, await readFile(join(fixtures, file), 'utf8'));
  const ctx = createContext({ tenant: 'bench', signer: generateKeyPair(), encoding });
  for (const block of imported.blocks) ctx.add(block);
  const payload = await ctx.assemble({
    target,
    maxTokens: budget,
    params: imported.params,
    seed: 'ctxpack-bench',
  });
  const statuses = payload.report.blocks.map((b) => b.status);
  return {
    tokens: payload.report.requestTokens,
    kept: statuses.filter((s) => s === 'kept').length,
    truncated: statuses.filter((s) => s === 'truncated').length,
    dropped: statuses.filter((s) => s === 'dropped').length,
  };
}

describe.each([
  ['openai-chat', 'bench-openai-chat.json'],
  ['anthropic', 'bench-anthropic.json'],
] as const)('ctxpack bench on a saved %s body', (target, file) => {
  let out: BenchJson;

  beforeAll(async () => {
    const r = await runBin(
      ['bench', file, '--budgets', '2k,8k,32k', '--encoding', ENCODINGS.join(','), '--runs', '1', '--json'],
      { cwd: fixtures },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    out = JSON.parse(r.stdout) as BenchJson;
  }, 300_000);

  it('detects the format and reports every encoding and every budget', () => {
    expect(out.target).toBe(target);
    expect(out.encodings.map((e) => e.encoding)).toEqual([...ENCODINGS]);
    for (const e of out.encodings) expect(e.cells.map((c) => c.budget)).toEqual(BUDGETS);
  });

  it('has a result for every installed contender and says "not installed" for the others', () => {
    // The fixture set must exercise both: installed peers (devDependencies of the CLI) and an absent one.
    expect([...installed.values()]).toContain(true);
    expect([...installed.values()]).toContain(false);
    for (const e of out.encodings) {
      for (const c of e.cells) {
        expect(Object.keys(c.peers).sort()).toEqual([...Object.keys(PEER_MODULES), FIT_ONLY].sort());
        for (const [name, present] of installed) {
          const peer = c.peers[name];
          if (present) {
            expect(peer?.status, `${name} at ${c.budget}`).toBe('ok');
            expect(peer?.tokens).toBeLessThanOrEqual(c.budget);
            expect(peer?.kept).toBeGreaterThan(0);
            expect(typeof peer?.ratio).toBe('number');
          } else expect(peer?.status).toBe('not installed');
        }
      }
    }
  });

  it("ctxpack's fit on the peers' terms keeps at least what the gpt-tokenizer loop keeps, within the budget", () => {
    for (const e of out.encodings) {
      for (const c of e.cells) {
        const ours = c.peers[FIT_ONLY];
        expect(ours?.status).toBe('ok');
        expect(ours?.tokens).toBeLessThanOrEqual(c.budget);
        const loop = c.peers['gpt-tokenizer'];
        if (loop?.status !== 'ok') continue;
        // Same order, whole messages, same framing, exact counts: fit skips what does not fit and goes on,
        // the loop stops, so fit keeps a superset.
        expect(ours?.kept).toBeGreaterThanOrEqual(loop.kept as number);
        expect(ours?.tokens).toBeGreaterThanOrEqual(loop.tokens as number);
      }
    }
  });

  it("kept/cut/dropped and tokens are what assemble's report says for the same import and budget", async () => {
    let cuts = 0;
    for (const e of out.encodings) {
      for (const c of e.cells) {
        const expected = await assembleCounts(
          target,
          file,
          e.encoding as (typeof ENCODINGS)[number],
          c.budget,
        );
        expect({ ...c.ctxpack, coldMs: undefined, warmMs: undefined }, `${e.encoding} ${c.budget}`).toEqual({
          ...expected,
          coldMs: undefined,
          warmMs: undefined,
        });
        expect(c.ctxpack.kept + c.ctxpack.truncated + c.ctxpack.dropped).toBe(out.blocks);
        expect(c.ctxpack.tokens).toBeLessThanOrEqual(c.budget);
        cuts += c.ctxpack.truncated + c.ctxpack.dropped;
      }
    }
    // The budgets are small enough that the fixture is really cut, and large enough that 32k keeps all.
    expect(cuts).toBeGreaterThan(0);
    for (const e of out.encodings) expect(e.cells.at(-1)?.ctxpack.dropped).toBe(0);
  });
});

describe('ctxpack bench errors', () => {
  const run = (...args: string[]) => runBin(['bench', ...args], { cwd: fixtures });
  it.each([
    [['bench-openai-chat.json', '--budgets', '8q'], /--budgets: '8q' is not a budget/],
    [['bench-openai-chat.json', '--encoding', 'p50k_base'], /--encoding: 'p50k_base' is not one of/],
    [['bench-openai-chat.json', '--target', 'gemini'], /--target must be one of/],
    [['bench-openai-chat.json', '--runs', '0'], /--runs must be an integer from 1 to 100/],
    [['bench-openai-chat.json', '--reserve', '9000', '--budgets', '8k'], /above --reserve/],
    [['bench-openai-chat.json', '--frobnicate'], /Unknown option '--frobnicate'/],
    [[], /missing <file>/],
    [['no-such-file.json'], /cannot read no-such-file.json: no such file/],
    [['make-bench-fixtures.mjs'], /is not JSON/],
    [['bench-anthropic.json', '--target', 'openai-chat'], /cannot be imported as a openai-chat body/],
  ])('%j → exit 2, one line naming the problem', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ctxpack: /);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
