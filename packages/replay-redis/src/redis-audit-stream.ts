import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@ctxpack/block';
import { assertInteger, assertString, isRecord } from '@ctxpack/block/kernel';
import type { AuditRecord, AuditVerification } from '@ctxpack/provenance';
import { AUDIT_GENESIS, appendAuditRecord, auditLineHash, verifyAuditLog } from '@ctxpack/provenance';
import { Redis } from 'ioredis';
import { ReplayStoreUnavailableError } from './replay-store-error.js';

/** Options of {@link createRedisAuditStream}: a client you own, or a URL for a client the stream owns. */
export type RedisAuditStreamOptions = ({ client: Redis; url?: never } | { url: string; client?: never }) & {
  /** The stream key: one hash chain per key. */
  stream: string;
  /** Per-append timeout in ms (default 2,000); a slow Redis fails closed. */
  timeoutMs?: number;
};

/** Where one record landed. */
export interface AuditStreamEntry {
  /** The Redis stream entry id. */
  id: string;
  /** The record's chain hash (the next record's `prev`). */
  hash: string;
}

/** A hash-chained audit trail in a Redis Stream, shared by every writer of the same key. */
export interface RedisAuditStream {
  /** Chains `record` after the stream's current last record and appends it, atomically. */
  append(record: AuditRecord): Promise<AuditStreamEntry>;
  /** Closes the connection when the stream created it; leaves a caller's client open. */
  close(): Promise<void>;
}

/** Records appended in one script call at most. */
const MAX_BATCH = 256;
/** Re-chains after another writer got in first, before giving up. */
const MAX_CONFLICTS = 64;

// Compare-and-append, atomic on the server: the head is the `hash` field of
// the stream's last entry (the genesis hash for an empty stream); a batch
// chained after any other head is refused with that head, so the caller
// re-chains and retries and two writers never fork the chain. Redis has no
// SHA-256 in Lua, so the hashes are computed by the writer; verification
// recomputes every one of them.
const APPEND_SCRIPT = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local head = ARGV[1]
if #last > 0 then
  head = nil
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'hash' then head = fields[i + 1] end
  end
  if head == nil then return {'corrupt', ''} end
end
if head ~= ARGV[2] then return {'conflict', head} end
local ids = {}
for i = 3, #ARGV, 2 do
  ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'hash', ARGV[i], 'line', ARGV[i + 1])
end
return {'appended', ids}
`;
// Appends send the script's SHA-1 (EVALSHA) rather than its text; Redis
// answers NOSCRIPT without running anything when its cache lacks it (a new
// or restarted server), and only then is the text sent, so the fallback never
// stores a batch twice.
const APPEND_SHA = createHash('sha1').update(APPEND_SCRIPT).digest('hex');

function readOptions(options: unknown): {
  client: Redis | undefined;
  url: string | undefined;
  stream: string;
  timeoutMs: number;
} {
  if (!isRecord(options)) {
    throw new InvalidArgumentError({
      path: 'options',
      expected: 'an object { client | url, stream }',
      value: options,
    });
  }
  const { client, url } = options;
  if (client === undefined) assertString(url, 'options.url', 4096);
  else if (!isRecord(client) || typeof client['eval'] !== 'function') {
    throw new InvalidArgumentError({ path: 'options.client', expected: 'an ioredis client', value: client });
  }
  const stream = options['stream'];
  assertString(stream, 'options.stream', 512);
  if (stream === '') {
    throw new InvalidArgumentError({ path: 'options.stream', expected: 'a stream key', value: stream });
  }
  const timeoutMs = options['timeoutMs'] ?? 2_000;
  assertInteger(timeoutMs, 'options.timeoutMs', 1, 600_000);
  return { client: client as Redis | undefined, url: url as string | undefined, stream, timeoutMs };
}

function ownClient(url: string, timeoutMs: number): Redis {
  // No offline queue and no resend: a command either reaches Redis while the
  // connection is up or fails now, so an append is never replayed behind the
  // caller's back (which could chain a record twice).
  const client = new Redis(url, {
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(times * 50, 500),
  });
  client.on('error', () => undefined); // surfaced per call instead
  return client;
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function unavailable(what: string, cause: unknown): ReplayStoreUnavailableError {
  return new ReplayStoreUnavailableError({
    message: `audit stream ${what}: ${(cause as Error)?.message ?? String(cause)}`,
    path: 'audit',
    cause,
  });
}

interface Pending {
  record: AuditRecord;
  resolve: (entry: AuditStreamEntry) => void;
  reject: (error: unknown) => void;
}

/**
 * An audit trail in a Redis Stream that many verifiers append to as one hash
 * chain (the records and hashes of `@ctxpack/provenance`'s audit log). Each
 * append is chained by the writer after the head it last saw and stored by
 * one server-side script that refuses it if the stream's last record is no
 * longer that head; the writer then re-chains after the head Redis reports.
 * Appends of one writer are batched (up to 256 per script call) and keep
 * their order. A Redis error or timeout rejects with
 * `ReplayStoreUnavailableError` (`replay_store_unavailable`) and the record is
 * not retried, so it is stored at most once. Check a stream with
 * {@link verifyRedisAuditStream} or `ctxpack audit verify --redis URL --stream KEY`.
 *
 * @example
 * const audit = createRedisAuditStream({ url: 'redis://127.0.0.1:6379', stream: 'ctxpack:audit' });
 * await audit.append(createAuditRecord({ event: 'verify', manifest }));
 */
export function createRedisAuditStream(options: RedisAuditStreamOptions): RedisAuditStream {
  const { stream, timeoutMs, ...given } = readOptions(options);
  const owned = given.client === undefined;
  const client = given.client ?? ownClient(given.url as string, timeoutMs);
  let head: string = AUDIT_GENESIS;
  let queue: Pending[] = [];
  let running = false;

  async function flush(batch: Pending[]): Promise<void> {
    // A new or reconnecting client: wait for it, within the same deadline.
    if (client.status !== 'ready') await withTimeout(waitReady(client), timeoutMs);
    for (let attempt = 0; attempt <= MAX_CONFLICTS; attempt++) {
      const args: string[] = [AUDIT_GENESIS, head];
      const hashes: string[] = [];
      let prev = head;
      for (const item of batch) {
        const line = appendAuditRecord(prev, item.record);
        prev = auditLineHash(line);
        hashes.push(prev);
        args.push(prev, line);
      }
      const reply = (await withTimeout(appendScript(client, stream, args), timeoutMs)) as [string, unknown];
      if (reply[0] === 'appended' && Array.isArray(reply[1])) {
        const ids = reply[1] as string[];
        head = prev;
        for (let i = 0; i < batch.length; i++) {
          batch[i]?.resolve({ id: String(ids[i]), hash: hashes[i] as string });
        }
        return;
      }
      if (reply[0] !== 'conflict' || typeof reply[1] !== 'string') {
        throw new Error(`the stream's last entry has no hash field (reply ${String(reply[0])})`);
      }
      head = reply[1];
    }
    throw new Error(`lost ${MAX_CONFLICTS} races for the stream head in a row`);
  }

  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      try {
        await flush(batch);
      } catch (cause) {
        const error = unavailable('could not append', cause);
        for (const item of batch) item.reject(error);
      }
    }
    running = false;
  }

  return {
    append(record: AuditRecord): Promise<AuditStreamEntry> {
      if (!isRecord(record)) {
        throw new InvalidArgumentError({ path: 'record', expected: 'an audit record', value: record });
      }
      // Chaining checks the record (JSON data, size) before it is queued.
      appendAuditRecord(AUDIT_GENESIS, record);
      return new Promise<AuditStreamEntry>((resolve, reject) => {
        queue.push({ record, resolve, reject });
        if (!running) void drain();
      });
    },
    async close(): Promise<void> {
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Options of {@link verifyRedisAuditStream}. */
export type VerifyRedisAuditStreamOptions = RedisAuditStreamOptions & {
  /** The last hash recorded elsewhere: also detects records cut off the end. */
  head?: string;
  /** Most records read (default 10,000,000). */
  maxRecords?: number;
};

/**
 * Reads a Redis audit stream from the start and checks its hash chain; the
 * result names the first bad record by index (0-based, in stream order): an
 * edited, dropped, inserted or reordered record, or an entry whose `hash`
 * field is not its line's hash. Redis errors reject with
 * `ReplayStoreUnavailableError`.
 *
 * @example
 * const result = await verifyRedisAuditStream({ url, stream: 'ctxpack:audit' });
 * if (!result.ok) console.error(`record ${result.index}: ${result.reason}`);
 */
export async function verifyRedisAuditStream(
  options: VerifyRedisAuditStreamOptions,
): Promise<AuditVerification> {
  const { stream, timeoutMs, ...given } = readOptions(options);
  const maxRecords = (options as { maxRecords?: unknown }).maxRecords ?? 10_000_000;
  assertInteger(maxRecords, 'options.maxRecords', 1, 100_000_000);
  const headOption = (options as { head?: unknown }).head;
  if (headOption !== undefined) assertString(headOption, 'options.head', 71);
  const owned = given.client === undefined;
  const client = given.client ?? ownClient(given.url as string, timeoutMs);
  const lines: string[] = [];
  try {
    if (owned) await withTimeout(waitReady(client), timeoutMs);
    let start = '-';
    for (;;) {
      const page = (await withTimeout(client.xrange(stream, start, '+', 'COUNT', 1000), timeoutMs)) as [
        string,
        string[],
      ][];
      for (const [id, fields] of page) {
        const { hash, line } = readFields(fields);
        if (line === undefined || hash === undefined) {
          return { ok: false, index: lines.length, reason: `entry ${id} has no line or hash field` };
        }
        const own = safeHash(line);
        if (own !== undefined && own !== hash) {
          return {
            ok: false,
            index: lines.length,
            reason: `entry ${id}'s hash field is not its line's hash`,
          };
        }
        lines.push(line);
        if (lines.length > maxRecords) {
          throw new InvalidArgumentError({
            path: 'options.maxRecords',
            expected: `a stream of at most ${maxRecords} records`,
            value: lines.length,
          });
        }
      }
      if (page.length < 1000) break;
      start = `(${(page[page.length - 1] as [string, string[]])[0]}`;
    }
  } catch (cause) {
    if (InvalidArgumentError.isInstance(cause)) throw cause;
    throw unavailable('could not be read', cause);
  } finally {
    if (owned) await client.quit().catch(() => client.disconnect());
  }
  return verifyAuditLog(lines, headOption === undefined ? {} : { head: headOption });
}

async function appendScript(client: Redis, stream: string, args: readonly string[]): Promise<unknown> {
  try {
    return await client.evalsha(APPEND_SHA, 1, stream, ...args);
  } catch (error) {
    if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
    return client.eval(APPEND_SCRIPT, 1, stream, ...args);
  }
}

function waitReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => client.once('ready', () => resolve()));
}

function readFields(fields: readonly string[]): { hash?: string; line?: string } {
  const out: { hash?: string; line?: string } = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'hash') out.hash = fields[i + 1] as string;
    else if (fields[i] === 'line') out.line = fields[i + 1] as string;
  }
  return out;
}

function safeHash(line: string): string | undefined {
  try {
    return auditLineHash(line);
  } catch {
    return undefined; // verifyAuditLog names the unreadable line
  }
}
