export type {
  AuditAppendOptions,
  AuditStreamEntry,
  ClaimedAuditEntry,
  RedisAuditStream,
  RedisAuditStreamOptions,
  VerifyRedisAuditStreamOptions,
} from './redis-audit-stream.js';
export { createRedisAuditStream, verifyRedisAuditStream } from './redis-audit-stream.js';
export type { RedisReplayStore, RedisReplayStoreOptions } from './redis-replay-store.js';
export { createRedisReplayStore } from './redis-replay-store.js';
export { ReplayStoreUnavailableError } from './replay-store-error.js';
