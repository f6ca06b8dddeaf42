import type { ReplayStore } from '@ctxpack/sign';
import { Redis } from 'ioredis';
import { ReplayStoreUnavailableError } from './replay-store-error.js';

/** Options of {@link createRedisReplayStore}: a client you own, or a URL for a client the store owns. */
export type RedisReplayStoreOptions = ({ client: Redis; url?: never } | { url: string; client?: never }) & {
  /** Key prefix, so several deployments can share one Redis (default `ctxpack:nonce:`). */
  prefix?: string;
  /**
   * Shortest time a nonce is held, in ms (default 1,000), for payloads whose
   * expiry the Redis host's clock already considers past.
   */
  minTtlMs?: number;
  /** Per-claim timeout in ms (default 2,000); a slow store fails closed. */
  timeoutMs?: number;
};

/** A {@link ReplayStore} backed by Redis. */
export interface RedisReplayStore extends ReplayStore {
  /** Closes the connection when the store created it; leaves a caller's client open. */
  close(): Promise<void>;
}

const MAX_NONCE_CHARS = 1024;

/**
 * A replay store shared by every verifier that points at the same Redis:
 * `claim` is one atomic `SET <prefix><nonce> 1 NX PX <ms until expiresAt>`, so
 * of any number of concurrent claims of a nonce, across processes and hosts,
 * exactly one succeeds; Redis forgets the nonce once the payload has expired.
 * Errors and timeouts reject with {@link ReplayStoreUnavailableError}, so
 * verification fails closed.
 *
 * @example
 * const replay = createRedisReplayStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
 * await verifyPayload(payload, { keys, tenant: 'acme', replay });
 * await replay.close();
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  const invalid = (message: string, path: string): never => {
    throw new ReplayStoreUnavailableError({ code: 'invalid_replay_store_input', message, path });
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    invalid('options must be an object', 'options');
  if (options.client === undefined && typeof options.url !== 'string')
    invalid('give a client or a url string', 'options.url');
  if (
    options.client !== undefined &&
    (typeof options.client !== 'object' || typeof options.client?.set !== 'function')
  ) {
    invalid('client must be an ioredis client', 'options.client');
  }
  const prefix = options.prefix ?? 'ctxpack:nonce:';
  const minTtlMs = options.minTtlMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  if (typeof prefix !== 'string' || prefix.length > 256) {
    throw new ReplayStoreUnavailableError({
      code: 'invalid_replay_store_input',
      message: 'prefix must be a string of ≤256 chars',
      path: 'options.prefix',
    });
  }
  for (const [name, value] of [
    ['minTtlMs', minTtlMs],
    ['timeoutMs', timeoutMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ReplayStoreUnavailableError({
        code: 'invalid_replay_store_input',
        message: `${name} must be a positive integer`,
        path: `options.${name}`,
      });
    }
  }
  const owned = options.client === undefined;
  const client =
    options.client ??
    new Redis(options.url, {
      maxRetriesPerRequest: 1,
      connectTimeout: timeoutMs,
      enableAutoPipelining: true,
    });
  if (owned) client.on('error', () => undefined); // surfaced per claim instead

  async function claim(nonce: string, expiresAt: number): Promise<boolean> {
    if (
      typeof nonce !== 'string' ||
      nonce.length === 0 ||
      nonce.length > MAX_NONCE_CHARS ||
      !Number.isFinite(expiresAt)
    ) {
      throw new ReplayStoreUnavailableError({
        code: 'invalid_replay_store_input',
        message: `claim needs a nonce of 1–${MAX_NONCE_CHARS} chars and a finite expiresAt`,
        path: 'nonce',
      });
    }
    const ttl = Math.max(minTtlMs, Math.ceil(expiresAt - Date.now()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const reply = await Promise.race([client.set(prefix + nonce, '1', 'PX', ttl, 'NX'), timeout]);
      return reply === 'OK';
    } catch (cause) {
      throw new ReplayStoreUnavailableError({
        message: `replay store could not claim the nonce: ${(cause as Error)?.message ?? String(cause)}`,
        path: 'nonce',
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    claim,
    async close(): Promise<void> {
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };
}
