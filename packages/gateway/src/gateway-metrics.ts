/** Upper bounds (seconds) of the verification latency histogram. */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
]);

/** Most distinct outcome label values kept; the rest count as `other` (bounded memory). */
const MAX_OUTCOMES = 64;

/** The gateway's counters, rendered as Prometheus text. */
export interface GatewayMetrics {
  /** Counts one decision of `contract` with `outcome` (`allow` or the error code) taking `seconds`. */
  observe(contract: string, outcome: string, seconds: number): void;
  /** Counts one replay or audit store failure. */
  storeError(store: 'replay' | 'audit'): void;
  /** Counts one key set reload, `ok` or `failed`. */
  reload(result: 'ok' | 'failed'): void;
  /** Prometheus text exposition format 0.0.4. */
  render(): string;
}

/** Creates the in-process metrics of one gateway handler. */
export function createGatewayMetrics(): GatewayMetrics {
  const verifications = new Map<string, number>();
  const buckets = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  let count = 0;
  let sum = 0;
  const storeErrors = { replay: 0, audit: 0 };
  const reloads = { ok: 0, failed: 0 };
  // Label values repeat (a few contracts, a few dozen codes): sanitize each once, bounded like the outcomes.
  const labels = new Map<string, string>();
  const label = (value: string): string => {
    let out = labels.get(value);
    if (out === undefined) {
      out = value.replace(/[^a-z0-9_:.-]/gi, '_').slice(0, 64);
      if (labels.size < 4 * MAX_OUTCOMES) labels.set(value, out);
    }
    return out;
  };
  return {
    observe(contract, outcome, seconds) {
      let key = `${label(contract)}\u0000${label(outcome)}`;
      if (!verifications.has(key) && verifications.size >= MAX_OUTCOMES)
        key = `${label(contract)}\u0000other`;
      verifications.set(key, (verifications.get(key) ?? 0) + 1);
      count++;
      sum += seconds;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        if (seconds <= (LATENCY_BUCKETS[i] as number)) buckets[i] = (buckets[i] as number) + 1;
      }
    },
    storeError(store) {
      storeErrors[store]++;
    },
    reload(result) {
      reloads[result]++;
    },
    render() {
      const lines: string[] = [
        '# HELP ctxpack_verifications_total Verification decisions by contract and outcome (allow or the error code).',
        '# TYPE ctxpack_verifications_total counter',
      ];
      for (const [key, value] of verifications) {
        const [contract, outcome] = key.split('\u0000');
        lines.push(`ctxpack_verifications_total{contract="${contract}",outcome="${outcome}"} ${value}`);
      }
      lines.push(
        '# HELP ctxpack_verification_seconds Time from request to decision.',
        '# TYPE ctxpack_verification_seconds histogram',
      );
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        lines.push(`ctxpack_verification_seconds_bucket{le="${LATENCY_BUCKETS[i]}"} ${buckets[i]}`);
      }
      lines.push(
        `ctxpack_verification_seconds_bucket{le="+Inf"} ${count}`,
        `ctxpack_verification_seconds_sum ${sum}`,
        `ctxpack_verification_seconds_count ${count}`,
        '# HELP ctxpack_store_errors_total Replay-store and audit-store failures (each failed closed).',
        '# TYPE ctxpack_store_errors_total counter',
        `ctxpack_store_errors_total{store="replay"} ${storeErrors.replay}`,
        `ctxpack_store_errors_total{store="audit"} ${storeErrors.audit}`,
        '# HELP ctxpack_key_reloads_total Key set reloads by result.',
        '# TYPE ctxpack_key_reloads_total counter',
        `ctxpack_key_reloads_total{result="ok"} ${reloads.ok}`,
        `ctxpack_key_reloads_total{result="failed"} ${reloads.failed}`,
      );
      return `${lines.join('\n')}\n`;
    },
  };
}
