/**
 * `@rampart/kit/stores`: where Rampart keeps state. The stores shared by every Rampart process
 * (key-values, counters, sets, pub/sub, event streams and rate limits), backed by Redis in
 * production, or by memory for the embedded default; and each subgraph's database (PostgreSQL,
 * or PGlite in process).
 */
import { createMemoryStores } from "./memory";
import { createRedisStores } from "./redis";
import { connectSharedMemoryStores } from "./shared-memory";
import type { Stores } from "./types";

export type * from "./types";
export * from "./database";
export { createMemoryStores } from "./memory";
export { checkCost } from "./rate-limiter";
export { createRedisStores, type RedisStoresOptions } from "./redis";
export {
  connectSharedMemoryStores,
  serveSharedMemoryStores,
  type SharedMemoryStoreServer,
} from "./shared-memory";

/** Options for {@link createStores}. */
export interface CreateStoresOptions {
  /** Redis URL; wins over everything else. */
  redisUrl?: string;
  /** Prepended to every Redis key, stream and channel. Default `""`; ignored in memory. */
  keyPrefix?: string;
  /** Unix socket of the launcher's shared in-memory stores (embedded default, several processes). */
  sharedMemorySocket?: string;
}

/** Redis when `redisUrl` is set; else the launcher's shared memory; else this process's memory. */
export function createStores(options: CreateStoresOptions): Stores {
  if (options.redisUrl)
    return createRedisStores({ url: options.redisUrl, keyPrefix: options.keyPrefix });
  if (options.sharedMemorySocket) return connectSharedMemoryStores(options.sharedMemorySocket);
  return createMemoryStores();
}
