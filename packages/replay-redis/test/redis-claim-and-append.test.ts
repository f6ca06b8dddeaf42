// claimAndAppend (a nonce claim and the record of its outcome in one script)
// and fenced appends, on the real redis-server of test/setup (REDIS_URL).
// Network faults are injected into a real client: its script call answers
// late (it ran; the reply was slow) or is sent late (it had not run when the
// writer gave up). The server stall is real: CLIENT PAUSE.
import { InvalidArgumentError } from '@ctxpack/block';
import type { AuditRecord } from '@ctxpack/provenance';
import { createAuditRecord } from '@ctxpack/provenance';
import {
  createRedisAuditStream,
  ReplayStoreUnavailableError,
  verifyRedisAuditStream,
} from '@ctxpack/replay-redis';
import type { ReplayOutcome } from '@ctxpack/sign';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const skip = process.env['CTXPACK_SKIP_REDIS'] === '1';
const run = `ctxpack-test:${process.pid}:${Date.now()}`;
let n = 0;
const fresh = (what: string): string => `${run}:${what}:${n++}`;

const admin = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
admin.on('error', () => undefined);
afterAll(async () => {
  if (skip) return;
  const keys = await admin.keys(`${run}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

const recordFor =
  (decision: string) =>
  (outcome: ReplayOutcome): AuditRecord =>
    createAuditRecord({ event: 'gateway.verify', findings: { id: decision, outcome } });

async function lines(stream: string): Promise<{ id: string; outcome: string }[]> {
  const entries = (await admin.xrange(stream, '-', '+')) as [string, string[]][];
  return entries.map(([, fields]) => {
    const line = JSON.parse(fields[fields.indexOf('line') + 1] as string) as {
      findings: { id: string; outcome: string };
    };
    return line.findings;
  });
}

/** A client of the real server whose script calls are delayed: before they are sent, or after they ran. */
function faultyClient(fault: 'reply' | 'send', ms: number): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  const real = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
  let armed = false;
  const delay = () => new Promise((resolve) => setTimeout(resolve, ms));
  (client as unknown as { evalsha: unknown }).evalsha = async (...args: unknown[]) => {
    if (!armed) return real(...args);
    armed = false;
    if (fault === 'send') await delay();
    const reply = await real(...args);
    if (fault === 'reply') await delay();
    return reply;
  };
  (client as unknown as { arm: () => void }).arm = () => {
    armed = true;
  };
  return client;
}
const arm = (client: Redis): void => (client as unknown as { arm: () => void }).arm();

describe.skipIf(skip)('createRedisAuditStream: claimAndAppend and fenced appends', () => {
  it('claims a fresh nonce and stores its acceptance in one step; a replay and an expired hold store their own record, and claim nothing', async () => {
    await admin.connect().catch(() => undefined);
    const stream = fresh('stream');
    const prefix = `${fresh('nonce')}:`;
    const audit = createRedisAuditStream({ url, stream, noncePrefix: prefix });
    try {
      const holdUntil = Date.now() + 60_000;
      const first = await audit.claimAndAppend('n1', { holdUntil }, recordFor('d1'), { decision: 'd1' });
      expect(first.outcome).toBe('claimed');
      expect(Number(await admin.pexpiretime(`${prefix}n1`))).toBe(holdUntil);
      expect(await admin.get(`${stream}:decision:d1`)).toBe(`claimed ${first.id}`);

      const again = await audit.claimAndAppend('n1', { holdUntil }, recordFor('d2'), { decision: 'd2' });
      expect(again.outcome).toBe('replayed');
      expect(await admin.get(`${stream}:decision:d2`)).toBe(`appended ${again.id}`);

      const late = await audit.claimAndAppend('n2', { holdUntil: Date.now() - 1 }, recordFor('d3'), {
        decision: 'd3',
      });
      expect(late.outcome).toBe('expired');
      expect(await admin.exists(`${prefix}n2`)).toBe(0);

      expect(await lines(stream)).toEqual([
        { id: 'd1', outcome: 'claimed' },
        { id: 'd2', outcome: 'replayed' },
        { id: 'd3', outcome: 'expired' },
      ]);
      expect(await verifyRedisAuditStream({ url, stream, head: late.hash })).toMatchObject({
        ok: true,
        count: 3,
      });
    } finally {
      await audit.close();
    }
  });

  it('two writers racing on 40 nonces, 3 claims each: exactly one accepted per nonce, one record per claim, one chain', async () => {
    const stream = fresh('stream');
    const prefix = `${fresh('nonce')}:`;
    const a = createRedisAuditStream({ url, stream, noncePrefix: prefix });
    const b = createRedisAuditStream({ url, stream, noncePrefix: prefix });
    try {
      const holdUntil = Date.now() + 60_000;
      const calls: Promise<{ nonce: number; decision: string; outcome: ReplayOutcome }>[] = [];
      for (let nonce = 0; nonce < 40; nonce++) {
        for (let k = 0; k < 3; k++) {
          const decision = `d${nonce}-${k}`;
          const writer = (nonce + k) % 2 === 0 ? a : b;
          calls.push(
            writer
              .claimAndAppend(`n${nonce}`, { holdUntil }, recordFor(decision), { decision })
              .then(({ outcome }) => ({ nonce, decision, outcome })),
          );
          // Plain fenced records interleaved, as a gateway's denials are.
          if (k === 0)
            calls.push(
              writer
                .append(recordFor(`p${nonce}`)('claimed'), { decision: `p${nonce}` })
                .then(() => ({ nonce: -1, decision: `p${nonce}`, outcome: 'claimed' as const })),
            );
        }
      }
      const settled = await Promise.all(calls);
      for (let nonce = 0; nonce < 40; nonce++) {
        const outcomes = settled.filter((s) => s.nonce === nonce).map((s) => s.outcome);
        expect(outcomes.sort()).toEqual(['claimed', 'replayed', 'replayed']);
      }
      // The trail says what each caller was told, and nothing else.
      const stored = await lines(stream);
      expect(stored).toHaveLength(settled.length);
      const told = new Map(settled.map((s) => [s.decision, s.outcome]));
      for (const line of stored) expect(line.outcome, line.id).toBe(told.get(line.id));
      expect(await verifyRedisAuditStream({ url, stream })).toMatchObject({ ok: true, count: 160 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a claim whose reply is lost after it ran is settled with Redis: the caller is told it was accepted, as the trail says', async () => {
    const stream = fresh('stream');
    const prefix = `${fresh('nonce')}:`;
    const client = faultyClient('reply', 400);
    const audit = createRedisAuditStream({ client, stream, noncePrefix: prefix, timeoutMs: 100 });
    try {
      await audit.append(recordFor('warm')('claimed'));
      arm(client);
      const entry = await audit.claimAndAppend('n1', { holdUntil: Date.now() + 60_000 }, recordFor('d1'), {
        decision: 'd1',
      });
      expect(entry.outcome).toBe('claimed');
      expect(await admin.exists(`${prefix}n1`)).toBe(1);
      expect(await lines(stream)).toEqual([
        { id: 'warm', outcome: 'claimed' },
        { id: 'd1', outcome: 'claimed' },
      ]);
      // The writer's head was unknown after the fault: the next append re-chains after Redis's.
      await audit.append(recordFor('after')('claimed'));
      expect(await verifyRedisAuditStream({ url, stream })).toMatchObject({ ok: true, count: 3 });
    } finally {
      await audit.close();
      client.disconnect();
    }
  });

  it('a claim sent too late to run is fenced off: the caller is refused, and it never lands (no claim, no record)', async () => {
    const stream = fresh('stream');
    const prefix = `${fresh('nonce')}:`;
    const client = faultyClient('send', 300);
    const audit = createRedisAuditStream({ client, stream, noncePrefix: prefix, timeoutMs: 100 });
    try {
      await audit.append(recordFor('warm')('claimed'));
      arm(client);
      const error = await audit
        .claimAndAppend('n1', { holdUntil: Date.now() + 60_000 }, recordFor('d1'), { decision: 'd1' })
        .catch((e: unknown) => e);
      expect(ReplayStoreUnavailableError.isInstance(error)).toBe(true);
      expect(await admin.get(`${stream}:decision:d1`)).toBe('void');
      await new Promise((resolve) => setTimeout(resolve, 400)); // the delayed call reaches Redis
      expect(await admin.exists(`${prefix}n1`)).toBe(0);
      expect(await lines(stream)).toEqual([{ id: 'warm', outcome: 'claimed' }]);
    } finally {
      await audit.close();
      client.disconnect();
    }
  });

  it('an unfenced append that reaches Redis after its deadline stores nothing (it would have landed late)', async () => {
    const stream = fresh('stream');
    const client = faultyClient('send', 300);
    const audit = createRedisAuditStream({ client, stream, timeoutMs: 100 });
    try {
      await audit.append(recordFor('warm')('claimed'));
      arm(client);
      const error = await audit.append(recordFor('late')('claimed')).catch((e: unknown) => e);
      expect(ReplayStoreUnavailableError.isInstance(error)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await lines(stream)).toEqual([{ id: 'warm', outcome: 'claimed' }]);
      // The writer is not stuck behind its refusal: the next append lands, chained after the head.
      await audit.append(recordFor('next')('claimed'));
      expect((await lines(stream)).map((l) => l.id)).toEqual(['warm', 'next']);
      expect(await verifyRedisAuditStream({ url, stream })).toMatchObject({ ok: true, count: 2 });
    } finally {
      await audit.close();
      client.disconnect();
    }
  });

  it('a stalled server (CLIENT PAUSE): the caller waits for the settle and is told what the trail holds', async () => {
    const stream = fresh('stream');
    const prefix = `${fresh('nonce')}:`;
    const audit = createRedisAuditStream({ url, stream, noncePrefix: prefix, timeoutMs: 100 });
    try {
      await audit.append(recordFor('warm')('claimed'));
      await admin.call('CLIENT', 'PAUSE', '400', 'WRITE');
      const result = await audit
        .claimAndAppend('n1', { holdUntil: Date.now() + 60_000 }, recordFor('d1'), { decision: 'd1' })
        .then(
          (entry) => entry.outcome,
          (e: unknown) => (ReplayStoreUnavailableError.isInstance(e) ? 'refused' : e),
        );
      const stored = await lines(stream);
      const claimed = await admin.exists(`${prefix}n1`);
      // Past its deadline when the pause ends, the call changes nothing; either way the answer matches.
      if (result === 'claimed') {
        expect(stored.map((l) => l.id)).toEqual(['warm', 'd1']);
        expect(claimed).toBe(1);
      } else {
        expect(result).toBe('refused');
        expect(stored.map((l) => l.id)).toEqual(['warm']);
        expect(claimed).toBe(0);
      }
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      await audit.close();
    }
  });

  it('refuses bad claims, decision ids and options with invalid_argument and a path', async () => {
    const audit = createRedisAuditStream({ url, stream: fresh('stream') });
    try {
      const ok = { holdUntil: Date.now() + 1000 };
      const cases: [() => Promise<unknown>, string][] = [
        [() => audit.claimAndAppend('', ok, recordFor('d'), { decision: 'd' }), 'nonce'],
        [
          () => audit.claimAndAppend('n', { holdUntil: 'soon' } as never, recordFor('d'), { decision: 'd' }),
          'claim',
        ],
        [() => audit.claimAndAppend('n', ok, 'record' as never, { decision: 'd' }), 'recordFor'],
        [() => audit.claimAndAppend('n', ok, recordFor('d'), { decision: '' }), 'options.decision'],
        [() => audit.claimAndAppend('n', ok, recordFor('d'), undefined as never), 'options'],
        [() => audit.claimAndAppend('n', ok, () => 7 as never, { decision: 'd' }), "recordFor('claimed')"],
        [() => audit.append(recordFor('d')('claimed'), { decision: 'x'.repeat(300) }), 'options.decision'],
      ];
      for (const [call, path] of cases) {
        const error = await Promise.resolve()
          .then(call)
          .catch((e: unknown) => e);
        expect(InvalidArgumentError.isInstance(error), path).toBe(true);
        expect(
          (error as InvalidArgumentError).path.startsWith(path),
          `${path}: ${(error as Error).message}`,
        ).toBe(true);
      }
      expect(() => createRedisAuditStream({ url, stream: 's', fenceMs: 5 })).toThrow(/options\.fenceMs/);
      expect(() => createRedisAuditStream({ url, stream: 's', settleMs: -1 })).toThrow(/options\.settleMs/);
      expect(() => createRedisAuditStream({ url, stream: 's', noncePrefix: 7 as never })).toThrow(
        /options\.noncePrefix/,
      );
    } finally {
      await audit.close();
    }
  });
});
