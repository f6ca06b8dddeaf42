import { InvalidArgumentError } from '@ctxpack/block';
import { assertInteger, assertString, isRecord } from '@ctxpack/block/kernel';
import type { ReplayClaim, ReplayOutcome, ReplayStore } from '@ctxpack/sign';
import { checkReplayClaim } from '@ctxpack/sign';
import { Redis } from 'ioredis';
import { CLAIM_NONCE_LUA, SERVER_NOW_LUA } from './nonce-claim-script.js';
import { ReplayStoreUnavailableError } from './replay-store-error.js';
import { withTimeout } from './with-timeout.js';

/** Options of {@link createRedisReplayStore}: a client you own, or a URL for a client the store owns. */
export type RedisReplayStoreOptions = ({ client: Redis; url?: never } | { url: string; client?: never }) & {
  /** Key prefix, so several deployments can share one Redis (default `ctxpack:nonce:`). */
  prefix?: string;
  /** Per-claim timeout in ms (default 2,000); a slow store fails closed. */
  timeoutMs?: number;
};

/** A {@link ReplayStore} backed by Redis. */
export interface RedisReplayStore extends ReplayStore {
  /** Closes the connection when the store created it; leaves a caller's client open. */
  close(): Promise<void>;
}

// One atomic step on the server, by the rule of CLAIM_NONCE_LUA (the server's
// TIME decides expiry).
const CLAIM_SCRIPT = `${SERVER_NOW_LUA}${CLAIM_NONCE_LUA}
return claimNonce(KEYS[1], ARGV[1], now)
`;

const OUTCOMES: ReadonlySet<unknown> = new Set<ReplayOutcome>(['claimed', 'replayed', 'expired']);

function readOptions(options: unknown): {
  client: Redis | undefined;
  url: string | undefined;
  prefix: string;
  timeoutMs: number;
} {
  if (!isRecord(options))
    throw new InvalidArgumentError({
      path: 'options',
      expected: 'an object { client } or { url }',
      value: options,
    });
  const { client, url } = options;
  if (client === undefined) assertString(url, 'options.url', 4096);
  else if (!isRecord(client) || typeof client['eval'] !== 'function') {
    throw new InvalidArgumentError({ path: 'options.client', expected: 'an ioredis client', value: client });
  }
  const prefix = options['prefix'] ?? 'ctxpack:nonce:';
  assertString(prefix, 'options.prefix', 256);
  const timeoutMs = options['timeoutMs'] ?? 2_000;
  assertInteger(timeoutMs, 'options.timeoutMs', 1, 600_000);
  return { client: client as Redis | undefined, url: url as string | undefined, prefix, timeoutMs };
}

/**
 * A replay store shared by every verifier that points at the same Redis.
 * `claim` is one atomic server-side script: a held nonce is `replayed`; a
 * hold time already past on the **Redis server's clock** (`TIME`) is
 * `expired`; otherwise `SET <prefix><nonce> 1 NX PXAT <holdUntil>` holds it
 * until the envelope's own expiry plus skew, on that same clock. So of any
 * number of concurrent claims of a nonce, across processes and hosts, at most
 * one is `claimed`, and a verifier whose clock lags cannot replay a payload
 * after Redis has forgotten it. Errors and timeouts reject with
 * {@link ReplayStoreUnavailableError}, so verification fails closed.
 *
 * @example
 * const replay = createRedisReplayStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
 * await verifyPayload(payload, { keys, tenant: 'acme', audience: 'gateway', replay });
 * await replay.close();
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  const { prefix, timeoutMs, ...given } = readOptions(options);
  const owned = given.client === undefined;
  const client =
    given.client ??
    new Redis(given.url as string, {
      maxRetriesPerRequest: 1,
      connectTimeout: timeoutMs,
      enableAutoPipelining: true,
    });
  if (owned) client.on('error', () => undefined); // surfaced per claim instead

  async function claim(nonce: string, request: ReplayClaim): Promise<ReplayOutcome> {
    const holdUntil = checkReplayClaim(nonce, request);
    let reply: unknown;
    try {
      reply = await withTimeout(client.eval(CLAIM_SCRIPT, 1, prefix + nonce, String(holdUntil)), timeoutMs);
    } catch (cause) {
      throw new ReplayStoreUnavailableError({
        message: `replay store could not claim the nonce: ${(cause as Error)?.message ?? String(cause)}`,
        path: 'nonce',
        cause,
      });
    }
    if (!OUTCOMES.has(reply)) {
      throw new ReplayStoreUnavailableError({
        message: 'replay store gave an unexpected reply',
        path: 'nonce',
      });
    }
    return reply as ReplayOutcome;
  }

  return {
    claim,
    async close(): Promise<void> {
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };
}
