export type { RedisReplayStore, RedisReplayStoreOptions } from './redis-replay-store.js';
export { createRedisReplayStore } from './redis-replay-store.js';
export { ReplayStoreUnavailableError } from './replay-store-error.js';
