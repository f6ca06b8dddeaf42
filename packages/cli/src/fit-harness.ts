import { InvalidArgumentError } from 'ctxpack';

/**
 * The one fit harness `ctxpack bench` and `bench/budget-fit.ts` share: the
 * timing loop, the framing every peer is charged, and the result shape.
 * Peer adapters are in fit-peers.ts.
 */

/**
 * Framing charged by the peer adapters, the OpenAI cookbook's: 3 tokens per
 * message plus its role (1 token), and 3 for the reply priming. ctxpack
 * counts its own rendered request instead (exact for the target).
 */
export const FIT_FRAMING: Readonly<{ perMessage: number; priming: number }> = Object.freeze({
  perMessage: 3 + 1,
  priming: 3,
});

/** What one contender's fit took: the first call, and the median of the calls after it. */
export interface FitTiming<R> {
  /** The first call in this process on this data. */
  coldMs: number;
  /** Median of the warm calls, or null when the cold call took longer than `skipWarmAfterMs`. */
  warmMs: number | null;
  /** Warm calls made. */
  warmRuns: number;
  /** What the last call returned. */
  result: R;
}

export interface MeasureFitOptions {
  /** Warm calls after the first; default 3, at most 1,000. */
  warmRuns?: number;
  /** No warm calls when the first one took longer than this (ms); default 1,000. */
  skipWarmAfterMs?: number;
}

const MAX_WARM_RUNS = 1000;

/**
 * Times `run`: once cold, then `warmRuns` times warm (median). A slow first
 * call skips the warm ones, so a quadratic peer cannot stall the bench.
 *
 * @example
 * const t = await measureFit(() => fit(items, { tokenizer, maxTokens: 8000 }));
 * console.log(t.coldMs, t.warmMs, t.result.report.used);
 */
export async function measureFit<R>(
  run: () => R | Promise<R>,
  options: MeasureFitOptions = {},
): Promise<FitTiming<R>> {
  if (typeof run !== 'function') {
    throw new InvalidArgumentError({ path: 'run', expected: 'a function', value: run });
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({ path: 'options', expected: 'an object', value: options });
  }
  const warmRuns = options.warmRuns ?? 3;
  if (!Number.isSafeInteger(warmRuns) || warmRuns < 0 || warmRuns > MAX_WARM_RUNS) {
    throw new InvalidArgumentError({
      path: 'options.warmRuns',
      expected: `an integer from 0 to ${MAX_WARM_RUNS}`,
      value: warmRuns,
    });
  }
  const skipAfter = options.skipWarmAfterMs ?? 1000;
  if (typeof skipAfter !== 'number' || !(skipAfter >= 0)) {
    throw new InvalidArgumentError({
      path: 'options.skipWarmAfterMs',
      expected: 'a number ≥ 0',
      value: skipAfter,
    });
  }
  let t = performance.now();
  let result = await run();
  const coldMs = performance.now() - t;
  if (coldMs > skipAfter || warmRuns === 0) return { coldMs, warmMs: null, warmRuns: 0, result };
  const times: number[] = [];
  for (let i = 0; i < warmRuns; i++) {
    t = performance.now();
    result = await run();
    times.push(performance.now() - t);
  }
  return { coldMs, warmMs: medianOf(times), warmRuns, result };
}

/** Median of a non-empty list. */
export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What ctxpack's `assemble` did at one budget, from its report. */
export interface CtxpackFitCell {
  coldMs: number;
  warmMs: number | null;
  /** `report.requestTokens`: the rendered request, framing and params included. */
  tokens: number;
  kept: number;
  truncated: number;
  dropped: number;
}

/** One peer at one budget: its fit, or why there is none. */
export type PeerFitCell =
  | {
      status: 'ok';
      coldMs: number;
      warmMs: number | null;
      /** Tokens of what the peer kept, as the peer counts them (framing per {@link FIT_FRAMING}). */
      tokens: number;
      /** Messages kept, of `messages`. */
      kept: number;
      messages: number;
      /** Peer warm ms ÷ ctxpack warm ms (cold when either has no warm figure): above 1, ctxpack is faster. */
      ratio: number | null;
      /** Peer warm ms ÷ ctxpack `fit` alone on the peers' terms (whole messages, same framing), where measured. */
      ratioToFit?: number | null;
    }
  | { status: 'not installed'; reason: string }
  | { status: 'error'; message: string };

/** One budget of one encoding. */
export interface FitCell {
  budget: number;
  ctxpack: CtxpackFitCell | { status: 'error'; code: string; message: string };
  peers: Record<string, PeerFitCell>;
}

/** Peer ÷ ctxpack on the warm figures (cold where a warm one is missing), 2 significant decimals. */
export function fitRatio(
  peer: { coldMs: number; warmMs: number | null },
  ours: { coldMs: number; warmMs: number | null },
): number | null {
  const warm = peer.warmMs !== null && ours.warmMs !== null;
  const a = warm ? (peer.warmMs as number) : peer.coldMs;
  const b = warm ? (ours.warmMs as number) : ours.coldMs;
  if (!(b > 0)) return null;
  return Math.round((a / b) * 100) / 100;
}
