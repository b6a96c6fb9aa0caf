/**
 * Keys of the instances, beside the rooms' (the full layout is in redis-scripts.ts). Only the
 * Redis adapters read them; everything above speaks of instance ids and epochs.
 */

/** The epoch of the whole live state (rooms and instances), created by the first write after it was lost. */
export const DATA_EPOCH_KEY = 'data-epoch';
/** Registry of instances: instanceId → epoch of its latest incarnation. */
export const REGISTRY_KEY = 'instances';
/** String holding the epoch of the live incarnation of an instance, with a TTL. */
export const leaseKey = (instanceId: string) => `instance:{${instanceId}}:lease`;
/** Hash sessionId → "roomId|userId|role": what a reaper removes when the instance dies. */
export const instanceSessionsKey = (instanceId: string) => `instance:{${instanceId}}:sessions`;
/** Redlock resource of whoever is reaping a dead instance. */
export const reapLockKey = (instanceId: string) => `lock:reap:{${instanceId}}`;
/** JSON figures an instance publishes for GET /api/instances, with a TTL. */
export const instanceStatsKey = (instanceId: string) => `instance:{${instanceId}}:stats`;

/** A user's chat lines of the last window, across every instance (CHAT_RATE_LUA). */
export const chatRateKey = (userId: string) => `user:{${userId}}:chat`;
