import { applySpotlight } from '@ctxpack/serialize/plan';
import { createContext, createMemoryReplayStore, generateKeyPair, verifyPayload } from 'ctxpack';
import { describe, expect, it } from 'vitest';
import { countChatRef, countRef } from './support/reference-count.js';

const keys = generateKeyPair();
const now = new Date('2026-01-01T12:00:00Z');
const longDocument = 'The museum opens at nine; the café on the corner serves croissants until noon. '.repeat(
  400,
);

async function assembleWith(spotlight: 'encode' | 'datamark', maxTokens: number) {
  const ctx = createContext({ tenant: 'acme', signer: keys });
  ctx.system('You are a travel assistant.', { pinned: true });
  ctx.user('What should I see in Paris?', { pinned: true });
  ctx.document(longDocument, { type: 'retrieval', uri: 'kb://paris' }, { trust: 'untrusted' });
  return ctx.assemble({
    target: 'openai-chat',
    maxTokens,
    reserveOutput: 100,
    audience: 'gw',
    now,
    spotlight,
  });
}

describe('spotlighted data is cut to fit, not dropped', () => {
  for (const spotlight of ['encode', 'datamark'] as const) {
    it(`${spotlight}: a long untrusted document is truncated within the budget and verifies`, async () => {
      const whole = countRef(applySpotlight(longDocument, spotlight));
      const maxTokens = 1_200;
      // The spotlighted document alone is far over the budget.
      expect(whole).toBeGreaterThan(3 * maxTokens);
      const payload = await assembleWith(spotlight, maxTokens);
      const doc = payload.report.blocks.find((b) => b.kind === 'document');
      expect(doc?.status).toBe('truncated');
      expect(doc?.transforms).toContain('truncate');

      const messages = payload.request['messages'] as Record<string, unknown>[];
      const counted = countChatRef(messages);
      expect(counted).toBeLessThanOrEqual(maxTokens - 100);
      expect(counted).toBe(payload.report.requestTokens);
      // The cut fills the room left (the overhead is no longer counted at full length).
      expect(counted).toBeGreaterThan(maxTokens - 100 - 80);
      // What is sent is the spotlighted cut text.
      const sent = JSON.stringify(messages);
      if (spotlight === 'datamark') expect(sent).toContain('The\u02c6museum\u02c6opens');
      else expect(sent).toContain(applySpotlight('The museum opens at nine;', 'encode').slice(0, 24));

      const verified = await verifyPayload(
        JSON.parse(
          JSON.stringify({ request: payload.request, envelope: payload.envelope, leaves: payload.leaves }),
        ),
        {
          keys: [keys.publicKey],
          tenant: 'acme',
          audience: 'gw',
          now: new Date(now.getTime() + 1000),
          replay: createMemoryReplayStore({ now: () => now.getTime() + 1000 }),
        },
      );
      expect(verified.manifest.tenant).toBe('acme');
      expect(verified.leaves?.length).toBe(payload.leaves.length);
    });
  }
});
