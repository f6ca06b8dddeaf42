/**
 * Issue 12 item 1: defaults that protect a caller who sets nothing. Each test
 * below failed on main before this change: `ctx.document(big)` added before
 * `ctx.system(…)` and `ctx.user(…)` kept a cut of the document and dropped
 * both, and at a small budget `assemble` returned `messages: []` with no error.
 */

import type { AssemblyReport } from 'ctxpack';
import { BudgetExceededError, createContext, generateKeyPair } from 'ctxpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const keys = generateKeyPair();
const doc = { type: 'url', uri: 'https://example.com/page' } as const;
const statusOf = (report: AssemblyReport, id: string) => report.blocks.find((b) => b.id === id)?.status;

describe('defaults: what must be kept is kept', () => {
  it('an untrusted document added first does not evict the system prompt or the user turn (failed on main)', async () => {
    const ctx = createContext({ tenant: 'acme', signer: keys });
    ctx.document('lorem ipsum dolor sit amet '.repeat(2_000), doc, { id: 'doc' });
    ctx.system('You are a travel assistant.', { id: 'sys' });
    ctx.user('Umbrella in Paris today?', { id: 'q' });
    const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 400 });
    expect(statusOf(payload.report, 'sys')).toBe('kept');
    expect(statusOf(payload.report, 'q')).toBe('kept');
    expect(statusOf(payload.report, 'doc')).toBe('truncated');
    const roles = payload.request.messages.map((m) => m.role);
    expect(roles).toContain('system');
    expect(JSON.stringify(payload.request)).toContain('Umbrella in Paris today?');
  });

  it('system and instructions are pinned unless the caller says pinned: false', () => {
    const ctx = createContext({ tenant: 'acme', signer: keys });
    expect(ctx.system('s').pinned).toBe(true);
    expect(ctx.instructions('i').pinned).toBe(true);
    expect(ctx.add({ kind: 'system', content: 's2' }).pinned).toBe(true);
    expect(ctx.system('s3', { pinned: false }).pinned).toBe(false);
    expect(ctx.user('u').pinned).toBe(false);
    // Untrusted text is data whatever its kind: never pinned by default.
    expect(ctx.add({ kind: 'instructions', trust: 'untrusted', content: 'x' }).pinned).toBe(false);
  });

  it('at equal priority, untrusted data is evicted before user data, user data before trusted text (failed on main)', async () => {
    const ctx = createContext({ tenant: 'acme', signer: keys });
    const body = 'weather report for the week ahead '.repeat(40);
    ctx.memory(body, { type: 'memory', name: 'untrusted-notes' }, { id: 'untrusted', trust: 'untrusted' });
    ctx.memory(body, { type: 'memory', name: 'user-notes' }, { id: 'user', trust: 'user' });
    ctx.memory(
      body,
      { type: 'memory', name: 'app-notes' },
      { id: 'trusted', trust: 'trusted', truncate: 'none' },
    );
    const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 700 });
    expect(statusOf(payload.report, 'trusted')).toBe('kept');
    expect(statusOf(payload.report, 'user')).not.toBe('dropped');
    expect(statusOf(payload.report, 'untrusted')).toBe('dropped');
  });

  it('the latest user turn is kept before untrusted data of higher priority (failed on main)', async () => {
    const ctx = createContext({ tenant: 'acme', signer: keys });
    ctx.user('an earlier question', { id: 'old' });
    ctx.document('search result text '.repeat(400), doc, { id: 'doc', priority: 10 });
    ctx.user('And tomorrow?', { id: 'q' });
    const payload = await ctx.assemble({ target: 'anthropic', maxTokens: 300 });
    expect(statusOf(payload.report, 'q')).toBe('kept');
    expect(JSON.stringify(payload.request)).toContain('And tomorrow?');
  });

  it('a budget that cannot hold the system prompt is a BudgetExceededError naming it, not an empty request (failed on main)', async () => {
    const ctx = createContext({ tenant: 'acme', signer: keys });
    ctx.document('filler '.repeat(50), doc, { id: 'doc' });
    ctx.system('You are a careful assistant. '.repeat(30), { id: 'sys' });
    ctx.user('hi', { id: 'q' });
    const error = await ctx.assemble({ target: 'openai-chat', maxTokens: 60 }).catch((e: unknown) => e);
    expect(BudgetExceededError.isInstance(error)).toBe(true);
    expect((error as BudgetExceededError).code).toBe('budget_exceeded');
    expect((error as BudgetExceededError).pinnedIds).toContain('sys');
  });

  it('a budget that cannot hold the latest user turn is a BudgetExceededError naming it (failed on main: messages [])', async () => {
    const ctx = createContext({ tenant: 'acme', signer: keys });
    ctx.user('word '.repeat(500), { id: 'q', truncate: 'none' });
    const error = await ctx.assemble({ target: 'openai-chat', maxTokens: 40 }).catch((e: unknown) => e);
    expect(BudgetExceededError.isInstance(error)).toBe(true);
    expect((error as BudgetExceededError).pinnedIds).toEqual(['q']);
  });
});

// ---- property: random orders and budgets ------------------------------------------------------

type Spec = { kind: 'system' | 'user' | 'document' | 'memory'; words: number; priority: number };
const specs = fc.array(
  fc.record({
    kind: fc.constantFrom('system', 'user', 'document', 'memory'),
    words: fc.integer({ min: 1, max: 120 }),
    priority: fc.constantFrom(0, 0, 0, 1, 5),
  }) as fc.Arbitrary<Spec>,
  { minLength: 1, maxLength: 7 },
);

describe('defaults: property', () => {
  it('random block orders and budgets never evict a system block or the latest user turn before untrusted data', async () => {
    await fc.assert(
      fc.asyncProperty(specs, fc.integer({ min: 20, max: 1_500 }), async (list, maxTokens) => {
        const ctx = createContext({ tenant: 'acme', signer: keys });
        const ids: { id: string; kind: Spec['kind'] }[] = [];
        list.forEach((s, i) => {
          const id = `b${i}`;
          const text = `${s.kind} text `.repeat(s.words);
          const opts = { id, priority: s.priority };
          if (s.kind === 'system') ctx.system(text, opts);
          else if (s.kind === 'user') ctx.user(text, opts);
          else ctx[s.kind](text, { type: 'url', uri: `https://example.com/${i}` }, opts);
          ids.push({ id, kind: s.kind });
        });
        let payload: Awaited<ReturnType<typeof ctx.assemble<'openai-chat'>>>;
        try {
          payload = await ctx.assemble({ target: 'openai-chat', maxTokens });
        } catch (error) {
          // The only way to refuse: a typed overflow naming what had to be kept (none when the framing alone overflows).
          expect(BudgetExceededError.isInstance(error)).toBe(true);
          return;
        }
        const latestUser = ids.filter((b) => b.kind === 'user').at(-1)?.id;
        const untrustedKept = ids.some(
          (b) =>
            (b.kind === 'document' || b.kind === 'memory') && statusOf(payload.report, b.id) !== 'dropped',
        );
        for (const b of ids) {
          const status = statusOf(payload.report, b.id);
          if (b.kind === 'system') expect(status).toBe('kept');
          if (b.id === latestUser) expect(status).not.toBe('dropped');
          if (b.id === latestUser && untrustedKept) expect(status).toBe('kept');
        }
        expect(payload.request.messages.length).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });
});
