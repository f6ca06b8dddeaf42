import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BLOCK_LIMITS,
  createBlock,
  InvalidArgumentError,
  InvalidBlockError,
  parseBlock,
} from '@ctxpack/block';
import { encodeBase64 } from '@ctxpack/block/kernel';
import { BUDGET_LIMITS, BudgetLimitError, createTokenizer, fit as fitBudget } from '@ctxpack/budget';
import { runCli } from '@ctxpack/cli';
import { sanitize } from '@ctxpack/escape';
import { InvalidMcpInputError, MCP_LIMITS, scanTools, toolResultToBlock } from '@ctxpack/mcp';
import { canonicalizeJson, MAX_JSON_DEPTH, ProvenanceError } from '@ctxpack/provenance';
import { DEFAULT_POLICY, PolicyViolationError, render } from '@ctxpack/serialize';
import {
  createMemoryReplayStore,
  createSigner,
  generateKeyPair,
  MAX_PAYLOAD_BYTES,
  MAX_SIGNATURES,
  MAX_TTL_SECONDS,
  SignError,
  signManifest,
  VerificationError,
  verifyEnvelope,
} from '@ctxpack/sign';
import { createContext } from 'ctxpack';
import { describe, expect, it } from 'vitest';

// Every documented size limit: exceeding it gives a typed error whose message
// (or fields) name the limit and the offending value; the README's "Limits"
// section lists the same table.

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};
const rejected = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );

describe('@ctxpack/block limits', () => {
  const base = { kind: 'document', tenant: 'acme', content: 'x' } as const;
  const digest = `sha256:${'a'.repeat(64)}`;
  const build: Record<
    Exclude<keyof typeof BLOCK_LIMITS, 'maxMetaBytes'>,
    (n: number) => Record<string, unknown>
  > = {
    maxContentChars: (n) => ({ content: 'x'.repeat(n) }),
    maxIdChars: (n) => ({ id: 'i'.repeat(n) }),
    maxLabelCount: (n) => ({ labels: Array.from({ length: n }, (_, i) => `l${i}`) }),
    maxLabelChars: (n) => ({ labels: ['l'.repeat(n)] }),
    maxParents: (n) => ({ parents: Array(n).fill(digest) }),
    maxTransforms: (n) => ({ transforms: Array(n).fill({ kind: 'sanitize' }) }),
  };
  it.each(Object.keys(build) as (keyof typeof build)[])(
    '%s: at the limit passes, one over is invalid_block naming it',
    (name) => {
      const limit = BLOCK_LIMITS[name];
      expect(parseBlock({ ...base, ...build[name](limit) }).kind).toBe('document');
      const error = thrown(() => parseBlock({ ...base, ...build[name](limit + 1) }));
      expect(InvalidBlockError.isInstance(error)).toBe(true);
      expect((error as InvalidBlockError).code).toBe('invalid_block');
      expect((error as InvalidBlockError).message).toContain(`BLOCK_LIMITS.${name} = ${limit}`);
      expect((error as InvalidBlockError).message).toContain(`is ${limit + 1} long`);
    },
  );
  it('maxMetaBytes', () => {
    const meta = { note: 'm'.repeat(BLOCK_LIMITS.maxMetaBytes) };
    const error = thrown(() => parseBlock({ ...base, meta }));
    expect(InvalidBlockError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`BLOCK_LIMITS.maxMetaBytes = ${BLOCK_LIMITS.maxMetaBytes}`);
    expect((error as Error).message).toContain(`meta is ${JSON.stringify(meta).length} chars`);
  });
});

describe('@ctxpack/budget limits', () => {
  const tokenizer = createTokenizer('o200k_base');
  const options = { tokenizer, maxTokens: 100 };
  const invalid = (f: () => unknown, path: string, actual: number, limit: number) => {
    const error = thrown(f);
    expect(BudgetLimitError.isInstance(error)).toBe(true);
    const e = error as BudgetLimitError;
    expect(e.code).toBe('budget_limit_exceeded');
    expect(e.path).toBe(path);
    expect([e.actual, e.max]).toEqual([actual, limit]);
    expect(e.message).toContain(String(limit));
  };
  it('maxItems', () => {
    const items = Array.from({ length: BUDGET_LIMITS.maxItems + 1 }, (_, i) => ({
      id: `i${i}`,
      text: '',
      priority: 0,
      truncate: 'tail' as const,
    }));
    invalid(() => fitBudget(items, options), 'items', items.length, BUDGET_LIMITS.maxItems);
  });
  it('maxItemChars', () => {
    invalid(
      () =>
        fitBudget(
          [{ id: 'a', text: 'x'.repeat(BUDGET_LIMITS.maxItemChars + 1), priority: 0, truncate: 'tail' }],
          options,
        ),
      'items[0].text',
      BUDGET_LIMITS.maxItemChars + 1,
      BUDGET_LIMITS.maxItemChars,
    );
  });
  it('maxIdChars', () => {
    const id = 'i'.repeat(BUDGET_LIMITS.maxIdChars + 1);
    invalid(
      () => fitBudget([{ id, text: 'x', priority: 0, truncate: 'tail' }], options),
      'items[0].id',
      id.length,
      BUDGET_LIMITS.maxIdChars,
    );
  });
  it('maxMarkerChars', () => {
    const marker = 'm'.repeat(BUDGET_LIMITS.maxMarkerChars + 1);
    invalid(
      () => fitBudget([], { ...options, marker }),
      'options.marker',
      marker.length,
      BUDGET_LIMITS.maxMarkerChars,
    );
  });
  it('maxTokens', () => {
    const maxTokens = BUDGET_LIMITS.maxTokens + 1;
    invalid(
      () => fitBudget([], { tokenizer, maxTokens }),
      'options.maxTokens',
      maxTokens,
      BUDGET_LIMITS.maxTokens,
    );
  });
});

describe('@ctxpack/escape limits', () => {
  it('findings per block are capped (default 1000): the rest are counted in omittedFindings, not dropped silently', () => {
    const text = '<|im_start|> '.repeat(1_100);
    const result = sanitize(text);
    expect(result.findings.length).toBe(1_000);
    expect(result.omittedFindings).toBeGreaterThanOrEqual(100);
    const capped = sanitize(text, { maxFindings: 10 });
    expect(capped.findings.length).toBe(10);
    expect(capped.findings.length + capped.omittedFindings).toBe(
      result.findings.length + result.omittedFindings,
    );
  });
});

describe('@ctxpack/provenance limits', () => {
  it('MAX_JSON_DEPTH', () => {
    let v: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) v = [v];
    const error = thrown(() => canonicalizeJson(v));
    expect(ProvenanceError.isInstance(error)).toBe(true);
    expect((error as ProvenanceError).code).toBe('invalid_json_value');
    expect((error as Error).message).toContain(String(MAX_JSON_DEPTH));
  });
});

describe('@ctxpack/serialize limits (policy)', () => {
  const blocks = (n: number, content = 'x') =>
    Array.from({ length: n }, (_, i) =>
      createBlock({ id: `b${i}`, kind: 'document', tenant: 'acme', content }),
    );
  it(`maxBlocks (default ${DEFAULT_POLICY.maxBlocks})`, () => {
    const error = thrown(() =>
      render(blocks(DEFAULT_POLICY.maxBlocks + 1), { target: 'text', tenant: 'acme', seed: 's' }),
    );
    expect(PolicyViolationError.isInstance(error)).toBe(true);
    expect((error as PolicyViolationError).rule).toBe('max-blocks');
    expect((error as Error).message).toContain(`block ${DEFAULT_POLICY.maxBlocks + 1}`);
    expect((error as Error).message).toContain(`at most ${DEFAULT_POLICY.maxBlocks} blocks`);
  });
  it(`maxBytes (default ${DEFAULT_POLICY.maxBytes})`, () => {
    const error = thrown(() =>
      render(blocks(3, 'é'.repeat(500)), {
        target: 'text',
        tenant: 'acme',
        seed: 's',
        policy: { maxBytes: 2_500 },
      }),
    );
    expect(PolicyViolationError.isInstance(error)).toBe(true);
    expect((error as PolicyViolationError).rule).toBe('max-bytes');
    expect((error as Error).message).toContain('3000 bytes');
    expect((error as Error).message).toContain('at most 2500');
  });
  it('assemble refuses before any work', async () => {
    const ctx = createContext({ tenant: 'acme', signer: generateKeyPair(), policy: { maxBlocks: 2 } });
    for (let i = 0; i < 3; i++) ctx.document(`doc ${i}`, { type: 'web' });
    const error = await rejected(ctx.assemble({ target: 'openai-chat', maxTokens: 1000 }));
    expect(PolicyViolationError.isInstance(error) && error.rule === 'max-blocks').toBe(true);
  });
});

describe('@ctxpack/sign limits', () => {
  const keys = generateKeyPair();
  const signer = createSigner(keys);
  const input = { tenant: 'acme', audience: 'gw', leaves: [], requestDigest: `sha256:${'a'.repeat(64)}` };
  it('MAX_TTL_SECONDS', async () => {
    const error = await rejected(signManifest({ ...input, ttlSeconds: MAX_TTL_SECONDS + 1 }, signer));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(String(MAX_TTL_SECONDS));
  });
  it('MAX_SIGNATURES (signers)', async () => {
    const signers = Array.from({ length: MAX_SIGNATURES + 1 }, () => createSigner(generateKeyPair()));
    const error = await rejected(signManifest({ ...input, ttlSeconds: 60 }, signers));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(String(MAX_SIGNATURES));
  });
  it('MAX_PAYLOAD_BYTES (manifest size) and MAX_SIGNATURES (envelope)', async () => {
    const { envelope } = await signManifest({ ...input, ttlSeconds: 60 }, signer);
    const verify = (e: unknown) =>
      rejected(
        verifyEnvelope(
          { envelope: e, requestDigest: input.requestDigest },
          { keys: [keys.publicKey], tenant: 'acme', audience: 'gw', replay: false },
        ),
      );
    const big = { ...envelope, payload: encodeBase64(new Uint8Array(MAX_PAYLOAD_BYTES + 3)) };
    let error = await verify(big);
    expect(VerificationError.isInstance(error) && error.code === 'malformed_envelope').toBe(true);
    expect((error as Error).message).toContain(String(MAX_PAYLOAD_BYTES));
    error = await verify({ ...envelope, signatures: Array(MAX_SIGNATURES + 1).fill(envelope.signatures[0]) });
    expect(VerificationError.isInstance(error) && error.code === 'malformed_envelope').toBe(true);
    expect((error as Error).message).toContain(String(MAX_SIGNATURES));
  });
  it('memory replay store maxEntries fails closed', async () => {
    const store = createMemoryReplayStore({ maxEntries: 2 });
    const later = Date.now() + 60_000;
    expect(await store.claim('n1', { holdUntil: later })).toBe('claimed');
    expect(await store.claim('n2', { holdUntil: later })).toBe('claimed');
    const error = await rejected(store.claim('n3', { holdUntil: later }));
    expect(SignError.isInstance(error) && error.code === 'replay_store_full').toBe(true);
    expect((error as Error).message).toContain('2');
  });
});

describe('@ctxpack/mcp limits', () => {
  const options = { tenant: 'acme', server: 's', tool: 't' };
  const invalid = (f: () => unknown, name: keyof typeof MCP_LIMITS, value: number) => {
    const error = thrown(f);
    expect(InvalidMcpInputError.isInstance(error)).toBe(true);
    expect((error as InvalidMcpInputError).code).toBe('invalid_mcp_input');
    expect((error as Error).message).toContain(`MCP_LIMITS.${name}`);
    expect((error as InvalidMcpInputError).value).toBe(value);
  };
  it('maxContentParts', () => {
    const content = Array(MCP_LIMITS.maxContentParts + 1).fill({ type: 'text', text: 'x' });
    invalid(() => toolResultToBlock({ content }, options), 'maxContentParts', content.length);
  });
  it('maxBinaryChars', () => {
    const data = 'A'.repeat(MCP_LIMITS.maxBinaryChars + 4);
    invalid(
      () => toolResultToBlock({ content: [{ type: 'image', mimeType: 'image/png', data }] }, options),
      'maxBinaryChars',
      data.length,
    );
  });
  it('maxToolsPerList', () => {
    const tools = Array.from({ length: MCP_LIMITS.maxToolsPerList + 1 }, (_, i) => ({ name: `t${i}` }));
    invalid(() => scanTools(tools), 'maxToolsPerList', tools.length);
  });
  it('maxDefinitionDepth', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < MCP_LIMITS.maxDefinitionDepth + 1; i++)
      schema = { type: 'object', properties: { a: schema } };
    const error = thrown(() => scanTools([{ name: 'deep', inputSchema: schema }]));
    expect(InvalidMcpInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      `MCP_LIMITS.maxDefinitionDepth = ${MCP_LIMITS.maxDefinitionDepth}`,
    );
  });
  it('maxDefinitionNodes (tool definition size)', () => {
    const properties = Object.fromEntries(
      Array.from({ length: MCP_LIMITS.maxDefinitionNodes }, (_, i) => [`p${i}`, { type: 'string' }]),
    );
    const error = thrown(() => scanTools([{ name: 'big', inputSchema: { type: 'object', properties } }]));
    expect(InvalidMcpInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`MCP_LIMITS.maxDefinitionNodes`);
    expect((error as InvalidMcpInputError).value).toBe(MCP_LIMITS.maxDefinitionNodes + 1);
  });
  it('maxFindingsPerTool: the rest are counted in a finding-limit finding', () => {
    const description = '<|im_start|> '.repeat(MCP_LIMITS.maxFindingsPerTool + 50);
    const [result] = scanTools([{ name: 'noisy', description }]).tools;
    const findings = result?.findings ?? [];
    expect(findings.length).toBe(MCP_LIMITS.maxFindingsPerTool + 1);
    expect(findings.at(-1)?.kind).toBe('finding-limit');
    expect(findings.at(-1)?.message).toContain(
      `MCP_LIMITS.maxFindingsPerTool = ${MCP_LIMITS.maxFindingsPerTool}`,
    );
  });
});

describe('@ctxpack/cli limits', () => {
  it('input files over 64 MiB are refused with cli_input naming the limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxpack-limits-'));
    const file = join(dir, 'big.txt');
    writeFileSync(file, '');
    truncateSync(file, 64 * 1024 * 1024 + 1); // sparse: no 64 MiB written
    let err = '';
    const code = await runCli(['scan', file], {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (err += t) },
      readStdin: async () => '',
      env: {},
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(err).toContain(String(64 * 1024 * 1024));
  });
});
