/**
 * assemble measures the rendered request without tokenizing again the block
 * texts fit counted (createRequestMeasure: split points between a letter and
 * a space). The count must stay exact: for random contexts, targets,
 * spotlight modes, encodings and budgets (so cuts happen too), the reported
 * requestTokens equals countRequestTokens of the request as sent, and a
 * tokenizer call count shows the block texts are not counted twice.
 */

import { createTokenizer } from '@ctxpack/budget';
import { digestContent } from '@ctxpack/provenance';
import type { Target } from '@ctxpack/serialize';
import { countRequestTokens, TARGETS } from '@ctxpack/serialize';
import type { Trust } from 'ctxpack';
import { BudgetExceededError, createContext, generateKeyPair } from 'ctxpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const keys = generateKeyPair();

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.lorem({ maxCount: 8 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ' ',
      '  ',
      '\n',
      '\n\n',
      "it's",
      "DON'T",
      'x = 1;',
      '{"a": [1, 2]}',
      '12345',
      '東京タワー',
      'مرحبا',
      '👍🏽',
      'e\u0301',
      '...',
      '/path/to',
      '<|im_start|>',
      'Human:',
      '\u200b',
      'ABC def',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
);
const text = fc.array(piece, { minLength: 1, maxLength: 40 }).map((p) => p.join(''));
const block = fc.record({
  kind: fc.constantFrom('system', 'user', 'assistant', 'document', 'memory', 'tool-pair'),
  trust: fc.constantFrom<Trust>('trusted', 'user', 'untrusted'),
  content: text,
  truncate: fc.constantFrom('tail', 'head', 'middle', 'none'),
});

describe('createRequestMeasure is exact', () => {
  it('requestTokens equals countRequestTokens of the sent request (any target, spotlight, encoding, budget)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(block, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...(TARGETS as readonly Target[])),
        fc.constantFrom('delimit', 'datamark', 'encode'),
        fc.constantFrom('o200k_base', 'cl100k_base', 'o200k_harmony', 'llama3', 'tekken'),
        fc.integer({ min: 150, max: 3_000 }),
        async (specs, target, spotlight, encoding, maxTokens) => {
          const ctx = createContext({ tenant: 'acme', signer: keys, encoding });
          specs.forEach((s, i) => {
            if (s.kind === 'tool-pair') {
              ctx.toolCall({ name: 'read', callId: `call_${i}`, arguments: { q: s.content } });
              ctx.toolResult(s.content, { type: 'app', tool: 'read', callId: `call_${i}` });
              return;
            }
            ctx.add({
              kind: s.kind,
              trust: s.trust,
              content: s.content,
              truncate: s.truncate,
              pinned: false,
            });
          });
          ctx.user('And the answer is?');
          let payload: Awaited<ReturnType<typeof ctx.assemble>>;
          try {
            payload = await ctx.assemble({ target, maxTokens, spotlight });
          } catch (error) {
            if (error instanceof BudgetExceededError) return;
            throw error;
          }
          const reference = countRequestTokens(
            payload.request as unknown as Record<string, unknown>,
            target,
            createTokenizer(encoding),
          );
          expect(payload.report.requestTokens).toBe(reference);
          // Leaves take the digests assemble stamped (trustDigest): each must be the digest of the text sent.
          if (spotlight === 'delimit') {
            const leafOf = new Map(payload.leaves.map((l) => [l.id, l.contentDigest]));
            for (const entry of payload.sourceMap) {
              for (const range of entry.ranges) {
                const sent = stringAt(payload.request, range.path)?.slice(range.start, range.end);
                if (sent !== undefined && leafOf.has(range.blockId))
                  expect(leafOf.get(range.blockId)).toBe(digestContent(sent));
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a long document is not tokenized again by the measure', async () => {
    const tokenizer = createTokenizer('o200k_base');
    const doc = 'The committee reviewed the quarterly figures and asked for a forecast. '.repeat(2_000);
    const ctx = createContext({ tenant: 'acme', signer: keys });
    ctx.system('You are helpful.');
    ctx.document(doc, { type: 'web' });
    ctx.user('Summarize.');
    const counted: number[] = [];
    const original = tokenizer.count.bind(tokenizer);
    // The shared instance assemble loads: count calls on it are what the request costs.
    tokenizer.count = (t: string) => {
      counted.push(t.length);
      return original(t);
    };
    try {
      const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 128_000 });
      expect(payload.report.requestTokens).toBe(
        countRequestTokens(payload.request as unknown as Record<string, unknown>, 'openai-chat', {
          count: original,
        }),
      );
    } finally {
      tokenizer.count = original;
    }
    // fit counts the document through its lazy operations (or its cache); the measure counts only
    // the markup and a few words around it: no count() call on a string as long as the document.
    expect(counted.filter((n) => n >= doc.length)).toEqual([]);
  });
});

/** The string at a source-map path such as `messages[3].content` (test helper). */
function stringAt(root: unknown, path: string): string | undefined {
  let value: unknown = root;
  for (const part of path.split('.')) {
    const [key, ...indexes] = part.split('[');
    if (key !== '') value = (value as Record<string, unknown> | undefined)?.[key as string];
    for (const index of indexes) value = (value as unknown[] | undefined)?.[Number(index.slice(0, -1))];
  }
  return typeof value === 'string' ? value : undefined;
}
