// Load test (bounded, loopback only): two `ctxpack gateway` processes behind
// one Redis, concurrent clients, a Redis restart in the middle. Correctness
// only — the figures (throughput, p50/p99) are printed and measured for real
// in bench/gateway-load.ts; no timing assertions here.
import { describe, expect, it } from 'vitest';
import { isStoreCode, runGatewayLoad } from './support/gateway-load.js';

const skip = process.env['CTXPACK_SKIP_REDIS'] === '1';

describe.skipIf(skip)('two gateways behind one Redis under load', () => {
  it('accepts every valid payload once, no replay, tampered or expired one, audits each decision once, survives a Redis restart', async () => {
    const report = await runGatewayLoad({ valid: 160, concurrency: 12, restartAfter: 200, outageMs: 1_000 });
    const { results } = report;
    console.log(
      `gateway load: ${results.length} requests in ${report.seconds.toFixed(1)} s, ${report.throughput.toFixed(0)} req/s, ` +
        `p50 ${report.p50.toFixed(1)} ms, p99 ${report.p99.toFixed(1)} ms (outside the outage); ${JSON.stringify(report.counts)}`,
    );

    // No tampered or expired payload is ever accepted; each fails with its own code (or closed, in the outage).
    for (const r of results.filter((x) => x.kind === 'tampered'))
      expect(r.code === 'digest_mismatch' || isStoreCode(r.code), r.code).toBe(true);
    for (const r of results.filter((x) => x.kind === 'expired'))
      expect(r.code === 'expired' || isStoreCode(r.code), r.code).toBe(true);

    // Of the two sends of one signed request (one per gateway, concurrent), at most one is accepted…
    const allowed = new Map<number, number>();
    for (const r of results)
      if (r.code === 'allow') allowed.set(r.payload, (allowed.get(r.payload) ?? 0) + 1);
    for (const [payload, n] of allowed) expect(n, `payload ${payload}`).toBe(1);
    // …and outside the outage exactly one is: no valid payload rejected, the other send is `replayed`.
    const byPayload = new Map<number, typeof results>();
    for (const r of results.filter((x) => x.kind === 'valid' || x.kind === 'replayed')) {
      byPayload.set(r.payload, [...(byPayload.get(r.payload) ?? []), r]);
    }
    let calm = 0;
    for (const [payload, sends] of byPayload) {
      expect(sends).toHaveLength(2);
      if (sends.some((s) => s.duringOutage || isStoreCode(s.code))) {
        // Failed closed: never an accept without a claim, only store codes or replayed.
        for (const s of sends)
          expect(['allow', 'replayed'].includes(s.code) || isStoreCode(s.code), s.code).toBe(true);
        continue;
      }
      calm++;
      expect(sends.map((s) => s.code).sort(), `payload ${payload}`).toEqual(['allow', 'replayed']);
    }
    // The run is bounded in time, so how many payloads go through depends on the machine: demand enough
    // calm pairs for the checks above to mean something, not a throughput (timings stay out of tests).
    expect(calm).toBeGreaterThan(20);

    // The restart happened and was failed closed, then both gateways recovered without a restart of their own.
    const outage = results.filter((r) => isStoreCode(r.code));
    expect(outage.length).toBeGreaterThan(0);
    let lastOutage = -1;
    for (let i = 0; i < results.length; i++)
      if (isStoreCode((results[i] as (typeof results)[0]).code)) lastOutage = i;
    const after = results.slice(lastOutage + 1).filter((r) => r.code === 'allow');
    expect(new Set(after.map((r) => r.gateway)).size).toBe(2);

    // Exactly one audit record per decision, in one intact chain: no id twice, every answered decision's id
    // present, and no record of an answer that failed closed. An accepted payload's claim and record are one
    // script; an append the gateway gave up on is fenced (or past its deadline), so it cannot land late.
    expect(report.auditOk).toBe(true);
    expect(report.auditIds.size).toBe(report.auditCount);
    const decided = new Set(results.filter((r) => !isStoreCode(r.code)).map((r) => r.id));
    for (const id of decided) expect(report.auditIds.has(id), id).toBe(true);
    for (const id of report.auditIds)
      expect(decided.has(id), `record ${id} of no answered decision`).toBe(true);
    expect(report.auditCount).toBe(decided.size);
  }, 120_000);
});
