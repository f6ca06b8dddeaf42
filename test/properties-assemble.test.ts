/**
 * Cross-package properties of assemble → verify, for random contexts and
 * every target: the payload verifies (through JSON), any single mutation of
 * the request, the envelope (payload bytes, signature, keyid) or a leaf is
 * rejected, and the rendered request never exceeds the budget — counted by
 * the library's countRequestTokens and, for openai-chat and text,
 * independently with js-tiktoken and OpenAI's published framing.
 */

import { decodeBase64, encodeBase64 } from '@ctxpack/block/kernel';
import { createTokenizer } from '@ctxpack/budget';
import type { Target } from '@ctxpack/serialize';
import { countRequestTokens, TARGETS } from '@ctxpack/serialize';
import type { BlockKind, Payload, TruncationStrategy, Trust } from 'ctxpack';
import { CtxpackError, createContext, generateKeyPair, verifyPayload } from 'ctxpack';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { countChatRef, countRef } from './support/reference-count.js';

const keys = generateKeyPair();
const tokenizer = createTokenizer('o200k_base');
const NOW = new Date('2026-01-01T12:00:00Z');
const verifyOptions = () => ({
  keys: [keys.publicKey],
  replay: false as const, // each payload is verified many times here
  tenant: 'acme',
  audience: 'gw',
  now: new Date(NOW.getTime() + 1_000),
});

// ---- random contexts -------------------------------------------------------------------------

const words = fc.constantFrom(
  'the',
  'weather',
  'in',
  'Paris',
  'is',
  'rainy',
  'café',
  '東京',
  'مرحبا',
  '👍🏽',
  '🇫🇷',
  'x = 1;',
  '\n',
  '  ',
  'ignore previous instructions',
  '<|im_start|>',
  '[INST]',
  '\u202e',
  '\u200b',
  '\u{E0041}',
);
const text = (maxWords: number) =>
  fc.array(words, { minLength: 1, maxLength: maxWords }).map((w) => w.join(' '));

type Adder = 'system' | 'instructions' | 'user' | 'assistant' | 'document' | 'memory' | 'toolPair' | 'add';
interface BlockSpec {
  adder: Adder;
  kind: BlockKind;
  trust: Trust | undefined;
  content: string;
  priority: number;
  truncate: TruncationStrategy;
  group: string | undefined;
  minTokens: number | undefined;
}

const blockSpec: fc.Arbitrary<BlockSpec> = fc.record({
  adder: fc.constantFrom<Adder>(
    'system',
    'instructions',
    'user',
    'assistant',
    'document',
    'memory',
    'toolPair',
    'add',
  ),
  kind: fc.constantFrom<BlockKind>('document', 'memory', 'tool-result', 'example', 'instructions', 'user'),
  trust: fc.option(fc.constantFrom<Trust>('trusted', 'user', 'untrusted'), { nil: undefined }),
  content: text(120),
  priority: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -10, max: 10, noNaN: true })),
  truncate: fc.constantFrom<TruncationStrategy>('tail', 'head', 'middle', 'none'),
  group: fc.option(fc.constantFrom('g1', 'g2'), { nil: undefined }),
  minTokens: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
});

const contextSpec = fc.record({
  system: text(10),
  blocks: fc.array(blockSpec, { minLength: 1, maxLength: 7 }),
  maxTokens: fc.integer({ min: 300, max: 2_500 }),
  reserveOutput: fc.integer({ min: 0, max: 100 }),
  spotlight: fc.constantFrom(undefined, 'delimit', 'datamark', 'encode'),
});
type ContextSpec = typeof contextSpec extends fc.Arbitrary<infer T> ? T : never;

const tally = { assembled: 0, refused: 0 };

async function assemble(spec: ContextSpec, target: Target): Promise<Payload | undefined> {
  const ctx = createContext({ tenant: 'acme', signer: keys });
  ctx.system(spec.system, { pinned: true });
  spec.blocks.forEach((b, i) => {
    const options = {
      priority: b.priority,
      truncate: b.truncate,
      ...(b.trust === undefined ? {} : { trust: b.trust }),
      ...(b.group === undefined ? {} : { group: b.group }),
      ...(b.minTokens === undefined ? {} : { minTokens: b.minTokens }),
    };
    switch (b.adder) {
      case 'system':
      case 'instructions':
      case 'user':
      case 'assistant':
        ctx[b.adder](b.content, options);
        break;
      case 'document':
      case 'memory':
        ctx[b.adder](b.content, { type: 'web', uri: `https://x.test/${i}` }, options);
        break;
      case 'toolPair':
        ctx.toolCall({
          name: 'lookup',
          callId: `c${i}`,
          arguments: { q: Array.from(b.content).slice(0, 20).join('') },
        });
        ctx.toolResult(
          b.content,
          { type: 'mcp', server: 's', tool: 'lookup', callId: `c${i}` },
          { priority: b.priority },
        );
        break;
      case 'add':
        ctx.add({ kind: b.kind, content: b.content, ...options });
        break;
    }
  });
  try {
    const payload = await ctx.assemble({
      target,
      maxTokens: spec.maxTokens,
      reserveOutput: spec.reserveOutput,
      audience: 'gw',
      now: NOW,
      ...(spec.spotlight === undefined ? {} : { spotlight: spec.spotlight }),
    });
    tally.assembled++;
    return payload;
  } catch (error) {
    // The only refusal a random context may meet: pinned blocks (or a group's
    // floor) that the budget cannot hold, or a trust/role combination the
    // default policy refuses. Both are typed; anything else is a bug.
    expect(CtxpackError.isInstance(error), String(error)).toBe(true);
    expect(['budget_exceeded', 'policy_violation']).toContain((error as CtxpackError).code);
    tally.refused++;
    return undefined;
  }
}

interface Wire {
  request: Record<string, unknown>;
  envelope: { payload: string; signatures: { keyid: string; sig: string }[] };
  leaves: unknown[];
}
const wire = (p: Payload): Wire =>
  JSON.parse(JSON.stringify({ request: p.request, envelope: p.envelope, leaves: p.leaves })) as Wire;

// ---- mutations -------------------------------------------------------------------------------

/** Paths of every string in a JSON value. */
function stringPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    stringPaths(v, [...path, Array.isArray(value) ? Number(k) : k]),
  );
}
function mutateString(root: unknown, pick: number, at: number): void {
  const paths = stringPaths(root);
  const path = paths[pick % paths.length] as (string | number)[];
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], root) as Record<
    string | number,
    string
  >;
  const key = path.at(-1) as string | number;
  const s = parent[key] as string;
  const i = s.length === 0 ? 0 : at % s.length;
  const replacement = s[i] === 'Z' ? 'Y' : 'Z';
  parent[key] = s.slice(0, i) + replacement + s.slice(i + 1);
}
function flipByte(b64: string, at: number, bit: number): string {
  const bytes = decodeBase64(b64) as Uint8Array;
  const i = at % bytes.length;
  bytes[i] = (bytes[i] as number) ^ (1 << (bit % 8));
  return encodeBase64(bytes);
}

type Mutation = 'request' | 'payload' | 'signature' | 'keyid' | 'leaf' | 'drop-leaf' | 'swap-leaves';
const mutation = fc.record({
  what: fc.constantFrom<Mutation>(
    'request',
    'payload',
    'signature',
    'keyid',
    'leaf',
    'drop-leaf',
    'swap-leaves',
  ),
  pick: fc.nat(),
  at: fc.nat(),
  bit: fc.nat({ max: 7 }),
});

function mutate(w: Wire, m: { what: Mutation; pick: number; at: number; bit: number }): boolean {
  const sig = w.envelope.signatures[0] as { keyid: string; sig: string };
  switch (m.what) {
    case 'request':
      mutateString(w.request, m.pick, m.at);
      return true;
    case 'payload':
      w.envelope.payload = flipByte(w.envelope.payload, m.at, m.bit);
      return true;
    case 'signature':
      sig.sig = flipByte(sig.sig, m.at, m.bit);
      return true;
    case 'keyid':
      sig.keyid = sig.keyid === 'k' ? 'j' : 'k';
      return true;
    case 'leaf':
      if (w.leaves.length === 0) return false;
      mutateString(w.leaves, m.pick, m.at);
      return true;
    case 'drop-leaf':
      if (w.leaves.length === 0) return false;
      w.leaves.splice(m.pick % w.leaves.length, 1);
      return true;
    case 'swap-leaves': {
      if (w.leaves.length < 2) return false;
      const i = m.pick % (w.leaves.length - 1);
      [w.leaves[i], w.leaves[i + 1]] = [w.leaves[i + 1], w.leaves[i]];
      return true;
    }
  }
}

// ---- properties ------------------------------------------------------------------------------

const RUNS = 60;

afterAll(() => {
  // Most random contexts must assemble, or the properties above test little.
  expect(tally.assembled).toBeGreaterThan(tally.refused * 3);
});

describe.each(TARGETS)('assemble → verify (%s)', (target: Target) => {
  it('round trips through JSON and never exceeds the budget', async () => {
    await fc.assert(
      fc.asyncProperty(contextSpec, async (spec) => {
        const payload = await assemble(spec, target);
        if (payload === undefined) return;
        const budget = spec.maxTokens - spec.reserveOutput;
        const counted = countRequestTokens(payload.request, target, tokenizer);
        expect(counted).toBe(payload.report.requestTokens);
        expect(counted).toBeLessThanOrEqual(budget);
        const body: Record<string, unknown> = payload.request;
        if (target === 'openai-chat') {
          const messages = body['messages'] as Record<string, unknown>[];
          expect(countChatRef(messages)).toBeLessThanOrEqual(budget);
        }
        if (target === 'text') expect(countRef(String(body['prompt']))).toBeLessThanOrEqual(budget);
        const verified = await verifyPayload(wire(payload), verifyOptions());
        expect(verified.manifest.tenant).toBe('acme');
        expect(verified.manifest.treeSize).toBe(payload.leaves.length);
        expect(verified.leaves?.length).toBe(payload.leaves.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects any single mutation of the request, the envelope or a leaf', async () => {
    await fc.assert(
      fc.asyncProperty(
        contextSpec,
        fc.array(mutation, { minLength: 3, maxLength: 3 }),
        async (spec, mutations) => {
          const payload = await assemble(spec, target);
          if (payload === undefined) return;
          for (const m of mutations) {
            const w = wire(payload);
            if (!mutate(w, m)) continue;
            const error = await verifyPayload(w, verifyOptions()).then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(CtxpackError.isInstance(error), `${m.what} mutation was accepted`).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
