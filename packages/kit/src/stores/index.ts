/**
 * Stores shared by every Rampart process: key-values, counters, pub/sub and event streams,
 * backed by Redis in production or by memory for a single embedded process.
 */
import { createMemoryStores } from "./memory";
import { createRedisStores } from "./redis";
import type { Stores } from "./types";

export type * from "./types";
export { createMemoryStores } from "./memory";
export { createRedisStores, type RedisStoresOptions } from "./redis";

/** Options for {@link createStores}. */
export interface CreateStoresOptions {
  /** Redis URL; when unset, the stores live in this process's memory. */
  redisUrl?: string;
  /** Prepended to every Redis key, stream and channel. Default `""`; ignored in memory. */
  keyPrefix?: string;
}

/** Redis-backed stores when `redisUrl` is set, in-memory ones otherwise. */
export function createStores(options: CreateStoresOptions): Stores {
  return options.redisUrl
    ? createRedisStores({ url: options.redisUrl, keyPrefix: options.keyPrefix })
    : createMemoryStores();
}
