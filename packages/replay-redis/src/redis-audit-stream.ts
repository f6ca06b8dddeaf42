import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@ctxpack/block';
import { assertInteger, assertString, isRecord } from '@ctxpack/block/kernel';
import type { AuditLink, AuditRecord, AuditVerification } from '@ctxpack/provenance';
import { AUDIT_GENESIS, auditLineHash, createAuditLink, verifyAuditLog } from '@ctxpack/provenance';
import type { ReplayClaim, ReplayOutcome } from '@ctxpack/sign';
import { checkReplayClaim } from '@ctxpack/sign';
import { Redis } from 'ioredis';
import { CLAIM_NONCE_LUA, SERVER_NOW_LUA } from './nonce-claim-script.js';
import { ReplayStoreUnavailableError } from './replay-store-error.js';
import { withTimeout } from './with-timeout.js';

/** Options of {@link createRedisAuditStream}: a client you own, or a URL for a client the stream owns. */
export type RedisAuditStreamOptions = ({ client: Redis; url?: never } | { url: string; client?: never }) & {
  /** The stream key: one hash chain per key. */
  stream: string;
  /** Per-append timeout in ms (default 2,000); a slow Redis fails closed. */
  timeoutMs?: number;
  /** Key prefix of the nonces {@link RedisAuditStream.claimAndAppend} claims (default `ctxpack:nonce:`, as `createRedisReplayStore`). */
  noncePrefix?: string;
  /** How long a decision's fence key is kept, in ms (default 60,000): longer than any append can be in flight. */
  fenceMs?: number;
  /**
   * How long, after a fenced append failed without an answer, the writer keeps
   * asking Redis whether it landed (default 10,000 ms); its caller waits.
   */
  settleMs?: number;
};

/** Where one record landed. */
export interface AuditStreamEntry {
  /** The Redis stream entry id. */
  id: string;
  /** The record's chain hash (the next record's `prev`). */
  hash: string;
}

/** Options of one append. */
export interface AuditAppendOptions {
  /**
   * A unique id of the decision the record is of. With it the append is
   * fenced: after a timeout the writer asks Redis whether the record landed,
   * and a late arrival of the append can no longer store it.
   */
  decision?: string;
}

/** What {@link RedisAuditStream.claimAndAppend} did: the claim's outcome and the record stored for it. */
export interface ClaimedAuditEntry extends AuditStreamEntry {
  outcome: ReplayOutcome;
}

/** A hash-chained audit trail in a Redis Stream, shared by every writer of the same key. */
export interface RedisAuditStream {
  /** Chains `record` after the stream's current last record and appends it, atomically. */
  append(record: AuditRecord, options?: AuditAppendOptions): Promise<AuditStreamEntry>;
  /**
   * Claims `nonce` as `createRedisReplayStore` does and appends the record of
   * the outcome, `recordFor(outcome)`, in one atomic step: a nonce is claimed
   * if and only if the record of its acceptance is stored. One round trip
   * when the nonce is claimed; a replayed or expired one takes a second.
   */
  claimAndAppend(
    nonce: string,
    claim: ReplayClaim,
    recordFor: (outcome: ReplayOutcome) => AuditRecord,
    options: Required<AuditAppendOptions>,
  ): Promise<ClaimedAuditEntry>;
  /** Closes the connection when the stream created it; leaves a caller's client open. */
  close(): Promise<void>;
}

/** Records appended in one script call at most. */
const MAX_BATCH = 256;
/** Re-chains after another writer got in first, before giving up. */
const MAX_CONFLICTS = 64;

// Compare-and-append, atomic on the server. The head is the `hash` field of
// the stream's last entry (the genesis hash for an empty stream); a batch
// chained after any other head is refused with that head, so the caller
// re-chains and retries and two writers never fork the chain. Redis has no
// SHA-256 in Lua, so the hashes are computed by the writer; verification
// recomputes every one of them.
//
// ARGV: the genesis hash, the expected head, the fence lifetime (ms), the
// deadline (epoch ms on the server's clock, 0 for none): a call that reaches
// the server after its deadline changes nothing ('late'), so a call the
// writer gave up on cannot land much later. Every reply carries the server's
// time, from which the writer keeps the offset of its clock. Then the items:
//   'p' hash line                     a record
//   'f' hash line                     a fenced record (next KEY: its fence)
//   'c' holdUntil hash line           a nonce claim and the record of its acceptance
//                                     (next KEYs: its fence, its nonce)
// A fence key exists once its decision is settled: the script writes
// '<outcome> <entry id>' there, and the writer, after a timeout, writes
// 'void' if nothing is there yet (FENCE_SCRIPT); an item whose fence exists is
// not run again. A claim runs createRedisReplayStore's claimNonce
// (nonce-claim-script.ts). Only an accepted claim is stored here; on any other outcome, or a
// fence, the script stops before the item (the items after it were chained
// after it) and says why, and the writer re-chains the rest.
const APPEND_SCRIPT = `${CLAIM_NONCE_LUA}
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local head = ARGV[1]
if #last > 0 then
  head = nil
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'hash' then head = fields[i + 1] end
  end
  if head == nil then return {'corrupt', {}, '', 0} end
end
${SERVER_NOW_LUA}
local deadline = tonumber(ARGV[4])
if deadline > 0 and now > deadline then return {'late', {}, '', now} end
if head ~= ARGV[2] then return {'conflict', {}, head, now} end
local fenceMs = ARGV[3]
local ids = {}
local a, k = 5, 2
while a <= #ARGV do
  local kind = ARGV[a]
  local fence = nil
  if kind ~= 'p' then
    fence = KEYS[k]
    k = k + 1
    if redis.call('EXISTS', fence) == 1 then return {'stopped', ids, 'fenced', now} end
  end
  local outcome = 'appended'
  if kind == 'c' then
    outcome = claimNonce(KEYS[k], ARGV[a + 1], now)
    k = k + 1
    if outcome ~= 'claimed' then return {'stopped', ids, outcome, now} end
    a = a + 1
  end
  local id = redis.call('XADD', KEYS[1], '*', 'hash', ARGV[a + 1], 'line', ARGV[a + 2])
  if fence then redis.call('SET', fence, outcome .. ' ' .. id, 'PX', fenceMs) end
  ids[#ids + 1] = id
  a = a + 3
end
return {'done', ids, '', now}
`;
// After a timeout: each fence key's settled value, or 'void' written where
// there is none, so the append still in flight (if any) can no longer store.
const FENCE_SCRIPT = `
local out = {}
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if not v then
    v = 'void'
    redis.call('SET', KEYS[i], v, 'PX', ARGV[1])
  end
  out[i] = v
end
return out
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
  noncePrefix: string;
  fenceMs: number;
  settleMs: number;
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
  const noncePrefix = options['noncePrefix'] ?? 'ctxpack:nonce:';
  assertString(noncePrefix, 'options.noncePrefix', 256);
  const fenceMs = options['fenceMs'] ?? 60_000;
  assertInteger(fenceMs, 'options.fenceMs', 1_000, 86_400_000);
  const settleMs = options['settleMs'] ?? 10_000;
  assertInteger(settleMs, 'options.settleMs', 0, 600_000);
  return {
    client: client as Redis | undefined,
    url: url as string | undefined,
    stream,
    timeoutMs,
    noncePrefix,
    fenceMs,
    settleMs,
  };
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

function unavailable(what: string, cause: unknown): ReplayStoreUnavailableError {
  return new ReplayStoreUnavailableError({
    message: `audit stream ${what}: ${(cause as Error)?.message ?? String(cause)}`,
    path: 'audit',
    cause,
  });
}

type StopReason = 'fenced' | 'replayed' | 'expired';

interface Pending {
  /** The record, serialized once, ready to chain after any head. */
  link: AuditLink;
  /** The fence key (fenced records and claims). */
  fence: string | undefined;
  /** A claim: the nonce key and its hold time. */
  nonce: string | undefined;
  holdUntil: number;
  /** A claim: the record of an outcome other than acceptance (appended, fenced, in its place). */
  recordFor: ((outcome: ReplayOutcome) => AuditRecord) | undefined;
  /** What the item stands for once stored: `claimed` for a claim or a plain record, else the claim's outcome. */
  outcome: ReplayOutcome;
  queuedAt: number;
  resolve: (entry: ClaimedAuditEntry) => void;
  reject: (error: unknown) => void;
}

/**
 * An audit trail in a Redis Stream that many verifiers append to as one hash
 * chain (the records and hashes of `@ctxpack/provenance`'s audit log). Each
 * append is chained by the writer after the head it last saw and stored by
 * one server-side script that refuses it if the stream's last record is no
 * longer that head; the writer then re-chains after the head Redis reports.
 * Appends of one writer are batched (up to 256 per script call) and keep
 * their order. `claimAndAppend` claims a nonce in the same script that stores
 * the record of its acceptance, so a verifier needs one round trip per
 * accepted payload and no claim exists without its record. A Redis error or
 * timeout rejects with `ReplayStoreUnavailableError`
 * (`replay_store_unavailable`) and the record is not retried, so it is stored
 * at most once; a fenced append (a `decision` id, and every claim) is then
 * settled with Redis first: if it landed, it resolves after all; if not, a
 * fence stops it from landing later. Check a stream with
 * {@link verifyRedisAuditStream} or `ctxpack audit verify --redis URL --stream KEY`.
 *
 * @example
 * const audit = createRedisAuditStream({ url: 'redis://127.0.0.1:6379', stream: 'ctxpack:audit' });
 * await audit.append(createAuditRecord({ event: 'verify', manifest }));
 */
export function createRedisAuditStream(options: RedisAuditStreamOptions): RedisAuditStream {
  const { stream, timeoutMs, noncePrefix, fenceMs, settleMs, ...given } = readOptions(options);
  const owned = given.client === undefined;
  const client = given.client ?? ownClient(given.url as string, timeoutMs);
  const fencePrefix = `${stream}:decision:`;
  let head: string = AUDIT_GENESIS;
  let queue: Pending[] = [];
  let running = false;
  /** The server's clock minus ours (ms), from the reply with the shortest round trip of the last minute. */
  let offset: number | undefined;
  let offsetRtt = Number.POSITIVE_INFINITY;
  let offsetAt = 0;

  function observeClock(sent: number, received: number, serverNow: unknown): void {
    if (typeof serverNow !== 'number' || !Number.isFinite(serverNow) || serverNow <= 0) return;
    const rtt = received - sent;
    if (rtt <= offsetRtt || received - offsetAt > 60_000) {
      offset = serverNow - (sent + received) / 2;
      offsetRtt = rtt;
      offsetAt = received;
    }
  }

  /** Runs `batch` through the script until each item is settled; throws what stops it. */
  async function flush(batch: Pending[]): Promise<void> {
    // A new or reconnecting client: wait for it, within the same deadline.
    if (client.status !== 'ready') await withTimeout(waitReady(client), timeoutMs);
    let conflicts = 0;
    let rest = batch;
    while (rest.length > 0) {
      const keys: string[] = [stream];
      const args: string[] = [AUDIT_GENESIS, head, String(fenceMs), '0'];
      const hashes: string[] = [];
      let prev = head;
      for (const item of rest) {
        const { line, hash } = item.link(prev);
        prev = hash;
        hashes.push(prev);
        if (item.fence !== undefined) keys.push(item.fence);
        if (item.nonce !== undefined) {
          keys.push(item.nonce);
          args.push('c', String(item.holdUntil), prev, line);
        } else args.push(item.fence === undefined ? 'p' : 'f', prev, line);
      }
      const sent = Date.now();
      // Half the timeout: a call that ran by then has the other half to answer.
      if (offset !== undefined) args[3] = String(Math.round(sent + offset + timeoutMs / 2));
      let reply: [string, string[], string, number];
      try {
        reply = (await withTimeout(appendScript(client, keys, args), timeoutMs)) as typeof reply;
      } catch (cause) {
        await settle(rest, hashes, cause);
        return;
      }
      const [status, ids, detail, serverNow] = reply;
      observeClock(sent, Date.now(), serverNow);
      if (status === 'late') {
        // Either Redis was slow or the clocks moved apart (a step of either): learn the offset anew.
        offset = undefined;
        offsetRtt = Number.POSITIVE_INFINITY;
        for (const item of rest)
          item.reject(
            unavailable(
              'could not append',
              new Error('Redis ran the append after its deadline, and stored nothing'),
            ),
          );
        return;
      }
      if (status === 'conflict' && typeof detail === 'string') {
        if (++conflicts > MAX_CONFLICTS) {
          throw new Error(`lost ${MAX_CONFLICTS} races for the stream head in a row`);
        }
        head = detail;
        continue;
      }
      if ((status !== 'done' && status !== 'stopped') || !Array.isArray(ids) || ids.length > rest.length) {
        throw new Error(`the stream's last entry has no hash field (reply ${String(status)})`);
      }
      for (let i = 0; i < ids.length; i++) {
        const item = rest[i] as Pending;
        head = hashes[i] as string;
        item.resolve({ id: String(ids[i]), hash: head, outcome: item.outcome });
      }
      rest = rest.slice(ids.length);
      if (status === 'done') return;
      const stopped = rest[0] as Pending;
      const reason = detail as StopReason;
      if (reason === 'fenced' || stopped.recordFor === undefined) {
        stopped.reject(unavailable('could not append', new Error('the decision was already settled')));
        rest = rest.slice(1);
        continue;
      }
      // Not accepted: the record of this outcome takes the item's place, fenced, with nothing claimed.
      let link: AuditLink;
      try {
        link = createAuditLink(stopped.recordFor(reason));
      } catch (error) {
        stopped.reject(error);
        rest = rest.slice(1);
        continue;
      }
      rest = [
        { ...stopped, link, nonce: undefined, recordFor: undefined, outcome: reason },
        ...rest.slice(1),
      ];
    }
  }

  /**
   * After a failed or timed-out script call: fenced items are settled with
   * Redis (landed: resolved; not: fenced off, rejected); the rest are rejected.
   * The head is then unknown, so the next call re-chains after Redis's head.
   */
  async function settle(items: Pending[], hashes: string[], cause: unknown): Promise<void> {
    const fenced = items.filter((item) => item.fence !== undefined);
    let values: unknown[] = [];
    // Until Redis answers (a restart) or settleMs is over: the callers of these items wait, so that
    // what they are told is what the trail holds. Past settleMs the outcome is unknown to them.
    const until = Date.now() + settleMs;
    while (fenced.length > 0) {
      try {
        values = (await withTimeout(
          client.eval(
            FENCE_SCRIPT,
            fenced.length,
            ...fenced.map((item) => item.fence as string),
            String(fenceMs),
          ),
          timeoutMs,
        )) as unknown[];
        break;
      } catch {
        if (Date.now() >= until) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Pending;
      const at = item.fence === undefined ? -1 : fenced.indexOf(item);
      const value = at >= 0 ? values[at] : undefined;
      const [outcome, id] = typeof value === 'string' ? value.split(' ') : [];
      if (id !== undefined && (outcome === 'claimed' || outcome === 'appended')) {
        item.resolve({ id, hash: hashes[i] as string, outcome: item.outcome });
      } else item.reject(unavailable('could not append', cause));
    }
  }

  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      // An append that waited its whole timeout for its turn (behind a settle) is refused unsent.
      const now = Date.now();
      const stale = queue.filter((item) => now - item.queuedAt > timeoutMs);
      if (stale.length > 0) {
        queue = queue.filter((item) => now - item.queuedAt <= timeoutMs);
        const error = unavailable('could not append', new Error(`no turn within ${timeoutMs} ms`));
        for (const item of stale) item.reject(error);
        continue;
      }
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

  function enqueue(
    record: AuditRecord,
    item: Omit<Pending, 'link' | 'resolve' | 'reject' | 'queuedAt'>,
  ): Promise<ClaimedAuditEntry> {
    // Serializing checks the record (JSON data, line size) before it is queued.
    const link = createAuditLink(record);
    return new Promise<ClaimedAuditEntry>((resolve, reject) => {
      queue.push({ ...item, link, queuedAt: Date.now(), resolve, reject });
      if (!running) void drain();
    });
  }

  function fenceOf(options: unknown, required: boolean): string | undefined {
    if (options === undefined && !required) return undefined;
    if (!isRecord(options)) {
      throw new InvalidArgumentError({ path: 'options', expected: 'an object { decision }', value: options });
    }
    const decision = options['decision'];
    if (decision === undefined && !required) return undefined;
    assertString(decision, 'options.decision', 256);
    if (decision === '') {
      throw new InvalidArgumentError({
        path: 'options.decision',
        expected: 'a decision id',
        value: decision,
      });
    }
    return fencePrefix + decision;
  }

  return {
    async append(record: AuditRecord, options?: AuditAppendOptions): Promise<AuditStreamEntry> {
      if (!isRecord(record)) {
        throw new InvalidArgumentError({ path: 'record', expected: 'an audit record', value: record });
      }
      const fence = fenceOf(options, false);
      const { id, hash } = await enqueue(record, {
        fence,
        nonce: undefined,
        holdUntil: 0,
        recordFor: undefined,
        outcome: 'claimed',
      });
      return { id, hash };
    },
    async claimAndAppend(nonce, claim, recordFor, options): Promise<ClaimedAuditEntry> {
      const holdUntil = checkReplayClaim(nonce, claim);
      if (typeof recordFor !== 'function') {
        throw new InvalidArgumentError({
          path: 'recordFor',
          expected: 'a function (outcome) => AuditRecord',
          value: recordFor,
        });
      }
      const fence = fenceOf(options, true);
      const record = recordFor('claimed');
      if (!isRecord(record)) {
        throw new InvalidArgumentError({
          path: "recordFor('claimed')",
          expected: 'an audit record',
          value: record,
        });
      }
      return enqueue(record, { fence, nonce: noncePrefix + nonce, holdUntil, recordFor, outcome: 'claimed' });
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

async function appendScript(
  client: Redis,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  try {
    return await client.evalsha(APPEND_SHA, keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
    return client.eval(APPEND_SCRIPT, keys.length, ...keys, ...args);
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
