// Two `ctxpack gateway` processes behind one Redis (replay claims and the
// audit stream), concurrent clients on loopback, a Redis restart in the
// middle: throughput and latency (outside the outage) per run, plus the
// decision counts. Run: node --conditions=@ctxpack/source --import tsx bench/gateway-load.ts [--quick]
import { writeFileSync } from 'node:fs';
import { isStoreCode, runGatewayLoad } from '../test/support/gateway-load.js';

const quick = process.argv.includes('--quick');
const runs = quick
  ? [{ valid: 100, concurrency: 8 }]
  : [
      { valid: 300, concurrency: 4 },
      { valid: 300, concurrency: 16 },
    ];
const rows: Record<string, unknown>[] = [];
for (const run of runs) {
  const report = await runGatewayLoad({ ...run, restartAfter: run.valid, outageMs: 1_000 });
  const wrong = report.results.filter(
    (r) => (r.kind === 'tampered' || r.kind === 'expired') && r.code === 'allow',
  ).length;
  const decided = report.results.filter((r) => !isStoreCode(r.code)).length;
  const row = {
    clients: run.concurrency,
    requests: report.results.length,
    seconds: Number(report.seconds.toFixed(2)),
    requestsPerSecond: Number(report.throughput.toFixed(1)),
    p50Ms: Number(report.p50.toFixed(1)),
    p99Ms: Number(report.p99.toFixed(1)),
    failedClosed: report.results.length - decided,
    wrongAccepts: wrong,
    auditRecords: report.auditCount,
    decided,
    // Appends that timed out (answered audit_unavailable) but landed later.
    lateAuditRecords: report.auditCount - decided,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}
writeFileSync(
  new URL('results/gateway-load.json', import.meta.url),
  `${JSON.stringify({ node: process.version, rows }, null, 2)}\n`,
);
