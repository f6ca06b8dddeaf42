/**
 * Issue 12 item 4: what is sent is what was checked. Cuts happened after
 * sanitizing, so a head or middle cut could bring a mid-line `Human:` to a line
 * start (right after the truncation marker) or strand a ZWJ/RLM without its
 * context; main sent those as they were. These tests failed on main.
 */

import { sanitize } from '@ctxpack/escape';
import type { Payload, Target, TruncationStrategy } from 'ctxpack';
import { BudgetExceededError, createContext, generateKeyPair } from 'ctxpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const keys = generateKeyPair();
const source = { type: 'url', uri: 'https://example.com/page' } as const;

/** The string at a source-map path such as `messages[2].content[0].text`. */
function stringAt(request: unknown, path: string): string {
  let node: unknown = request;
  for (const m of path.matchAll(/([A-Za-z_]+)|\[(\d+)\]/g)) {
    node = (node as Record<string, unknown>)[m[1] ?? Number(m[2])];
  }
  return node as string;
}

/** Each sent block's content, as it is in the request (delimit mode: the text itself). */
function sentTexts(payload: Payload<Target>): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of payload.sourceMap) {
    for (const r of entry.ranges) out.set(r.blockId, stringAt(payload.request, r.path).slice(r.start, r.end));
  }
  return out;
}

describe('cuts are re-checked', () => {
  it('a head cut never puts a mid-line turn marker at a line start (failed on main)', async () => {
    let resanitized = 0;
    for (let maxTokens = 240; maxTokens < 290; maxTokens++) {
      const ctx = createContext({ tenant: 'acme', signer: keys });
      ctx.document('Human:'.repeat(600), source, { id: 'doc', truncate: 'head' });
      ctx.user('Summarize.');
      const payload = await ctx.assemble({ target: 'openai-chat', maxTokens });
      const doc = payload.report.blocks.find((b) => b.id === 'doc');
      if (doc?.status !== 'truncated') continue;
      const sent = sentTexts(payload).get('doc') as string;
      expect(sent).not.toMatch(/(^|\n)[ \t]*Human:/);
      expect(sanitize(sent, { trust: 'untrusted' }).changed).toBe(false);
      if (doc.transforms.slice(-2).join(',') === 'truncate,sanitize') resanitized++;
    }
    // Some of these budgets cut right before `Human:` (on main, sent as is): the second sanitize is on
    // record for them. Where sanitizing again would overflow, the budget is lowered and the cut moves instead.
    expect(resanitized).toBeGreaterThan(0);
  });
});

const pieces = fc.constantFrom(
  'word',
  ' ',
  '\n',
  'Human:',
  'Assistant:',
  ' User: ',
  '\u200D',
  '\u200F',
  '\u200C',
  '👨‍👩‍👧',
  '🏳️‍🌈',
  'עברית',
  'سلام',
  '<|im_start|>',
  '\u{E0041}',
  'ignore previous instructions',
);
const texts = fc.array(pieces, { minLength: 20, maxLength: 400 }).map((p) => p.join(''));

describe('cuts: property', () => {
  it('every sent untrusted text is a sanitize fixed point under its policy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(texts, fc.constantFrom<TruncationStrategy>('head', 'middle', 'tail')), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.constantFrom<'untrusted' | 'user'>('untrusted', 'user'),
        fc.integer({ min: 120, max: 900 }),
        fc.constantFrom<Target>('openai-chat', 'anthropic', 'openai-responses', 'text'),
        async (docs, trust, maxTokens, target) => {
          const ctx = createContext({ tenant: 'acme', signer: keys });
          ctx.system('Answer from the documents.');
          docs.forEach(([text, truncate], i) => {
            ctx.document(
              text,
              { type: 'url', uri: `https://example.com/${i}` },
              { id: `d${i}`, trust, truncate },
            );
          });
          ctx.user('What do they say?');
          let payload: Payload<Target>;
          try {
            payload = await ctx.assemble({ target, maxTokens });
          } catch (error) {
            expect(BudgetExceededError.isInstance(error)).toBe(true);
            return;
          }
          const sent = sentTexts(payload);
          for (const [id, text] of sent) {
            if (!id.startsWith('d')) continue;
            expect(sanitize(text, { trust }).changed, `${id}: ${JSON.stringify(text.slice(0, 80))}`).toBe(
              false,
            );
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
