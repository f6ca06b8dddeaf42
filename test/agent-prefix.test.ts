import { describe, expect, it } from 'vitest';
import { prefixShare, runLoop } from './support/loopback-loop.js';

const sessionKey = new Uint8Array(32).fill(7);

describe('prefix stability of a 10-step loop (prompt caching)', () => {
  it('with a sessionKey, every request k repeats ≥ 99 % of request k−1, and ≥ 99 % of all bytes', async () => {
    const bodies = await runLoop({ sessionKey });
    const shares = bodies.slice(1).map((b, k) => prefixShare(bodies[k] as string, b));
    expect(shares).toHaveLength(9);
    // The boundary notice is rendered from the first request on (seeded nonce), so the step that
    // adds the first tool result only appends, like every other step.
    for (const share of shares) expect(share).toBeGreaterThanOrEqual(0.99);
    let shared = 0;
    let total = 0;
    for (let k = 1; k < bodies.length; k++) {
      const prev = new TextEncoder().encode(bodies[k - 1]).length;
      shared += prefixShare(bodies[k - 1] as string, bodies[k] as string) * prev;
      total += prev;
    }
    expect(shared / total).toBeGreaterThanOrEqual(0.99);
  });

  it('without a sessionKey, every request differs from the first bytes of the conversation on', async () => {
    const bodies = await runLoop();
    const shares = bodies.slice(1).map((b, k) => prefixShare(bodies[k] as string, b));
    // model and tools come first and match; the nonce in the boundary notice differs right after.
    for (const share of shares.slice(1)) expect(share).toBeLessThan(0.5);
  });

  it('two conversations with the same system prompt and tools share that prefix byte for byte', async () => {
    const [a] = await runLoop({ sessionKey, steps: 2 }).then((b) => b.slice(1));
    const other = await runLoop({ sessionKey, steps: 2 });
    expect(prefixShare(a as string, other[1] as string)).toBe(1);
  });

  it('another key gives another nonce', async () => {
    const a = await runLoop({ sessionKey, steps: 2 });
    const b = await runLoop({ sessionKey: new Uint8Array(32).fill(8), steps: 2 });
    const nonce = (s: string) => /<data-([0-9a-f]{32})/.exec(s)?.[1];
    expect(nonce(a[1] as string)).toBeDefined();
    expect(nonce(a[1] as string)).not.toBe(nonce(b[1] as string));
  });
});
