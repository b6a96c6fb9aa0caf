import type Redis from 'ioredis';
import Redlock from 'redlock';
import type { PresenceStore } from '../presence-store.port';
import type { SessionRecord } from '../room-state.port';
import { fromRedis } from './redis-errors';
import { DATA_EPOCH_KEY, instanceSessionsKey, leaseKey, reapLockKey, REGISTRY_KEY } from './redis-keys';
import { EPOCH_LUA } from './redis-scripts';
import { parseSessionRecords } from './redis-room-reads';
import { asRedlockClient } from './redlock-client';

/** KEYS: lease registry  ARGV: instanceId ttlMs epoch → 1 taken, 0 still held by someone */
const ACQUIRE_LUA = `
if not redis.call('SET', KEYS[1], ARGV[3], 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
`;

/** KEYS: lease  ARGV: epoch ttlMs → 1 renewed, 0 lost */
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: lease registry sessions  ARGV: epoch instanceId
 *  Gives the lease up; leaves the registry entry when sessions remain, so a reaper removes them. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] and redis.call('HLEN', KEYS[3]) == 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
end
return 1
`;

/** KEYS: lease sessions → the dead instance's session records, or nil if its lease is alive again.
 *  One script, so a record of a new incarnation can never be mistaken for a dead one's. */
const SNAPSHOT_DEAD_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
return redis.call('HGETALL', KEYS[2])
`;

/** KEYS: lease registry sessions  ARGV: instanceId epoch → 1 when the dead instance is forgotten */
const FORGET_DEAD_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('HLEN', KEYS[3]) > 0 then return 0 end
if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1
`;

interface PresenceRedis extends Redis {
  leaseAcquire(...args: (string | number)[]): Promise<number>;
  leaseRenew(...args: (string | number)[]): Promise<number>;
  leaseRelease(...args: (string | number)[]): Promise<number>;
  presenceSnapshotDead(...args: string[]): Promise<string[] | null>;
  presenceForgetDead(...args: string[]): Promise<number>;
  presenceDataEpoch(key: string): Promise<string>;
}

/**
 * Leases and the registry of instances in Redis (key layout in redis-keys.ts). The lease key is
 * the one every room write script checks (redis-scripts.ts), which is what makes a lost lease
 * fence the instance off. The reap claim is a Redlock without retries: a reaper that does not get
 * it at once leaves the instance to whoever holds it.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly redis: PresenceRedis;
  private readonly redlock: Redlock;

  constructor(redis: Redis) {
    redis.defineCommand('leaseAcquire', { numberOfKeys: 2, lua: ACQUIRE_LUA });
    redis.defineCommand('leaseRenew', { numberOfKeys: 1, lua: RENEW_LUA });
    redis.defineCommand('leaseRelease', { numberOfKeys: 3, lua: RELEASE_LUA });
    redis.defineCommand('presenceSnapshotDead', { numberOfKeys: 2, lua: SNAPSHOT_DEAD_LUA });
    redis.defineCommand('presenceForgetDead', { numberOfKeys: 3, lua: FORGET_DEAD_LUA });
    redis.defineCommand('presenceDataEpoch', { numberOfKeys: 1, lua: EPOCH_LUA });
    this.redis = redis as PresenceRedis;
    this.redlock = new Redlock([asRedlockClient(redis)], { retryCount: 0 });
    this.redlock.on('clientError', () => undefined);
  }

  async dataEpoch(): Promise<string> {
    return this.redis.presenceDataEpoch(DATA_EPOCH_KEY).catch(fromRedis);
  }

  async acquireLease(instanceId: string, epoch: string, ttlMs: number): Promise<boolean> {
    return (
      (await this.redis.leaseAcquire(leaseKey(instanceId), REGISTRY_KEY, instanceId, ttlMs, epoch).catch(fromRedis)) ===
      1
    );
  }

  async renewLease(instanceId: string, epoch: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.leaseRenew(leaseKey(instanceId), epoch, ttlMs).catch(fromRedis)) === 1;
  }

  async releaseLease(instanceId: string, epoch: string): Promise<void> {
    await this.redis
      .leaseRelease(leaseKey(instanceId), REGISTRY_KEY, instanceSessionsKey(instanceId), epoch, instanceId)
      .catch(fromRedis);
  }

  async registeredInstances(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(REGISTRY_KEY).catch(fromRedis)));
  }

  async isLeaseAlive(instanceId: string): Promise<boolean> {
    return (await this.redis.exists(leaseKey(instanceId)).catch(fromRedis)) === 1;
  }

  async withReapClaim<T>(instanceId: string, ttlMs: number, reap: () => Promise<T>): Promise<T | undefined> {
    let lock: Redlock.Lock;
    try {
      lock = await this.redlock.lock(reapLockKey(instanceId), ttlMs);
    } catch {
      return undefined; // another instance is on it (or Redis is away, and the next scan retries)
    }
    try {
      return await reap();
    } finally {
      await lock.unlock().catch(() => undefined);
    }
  }

  async sessionsOfDeadInstance(instanceId: string): Promise<SessionRecord[] | null> {
    const flat = await this.redis
      .presenceSnapshotDead(leaseKey(instanceId), instanceSessionsKey(instanceId))
      .catch(fromRedis);
    if (!flat) return null;
    const hash: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) hash[flat[i]] = flat[i + 1];
    return parseSessionRecords(hash);
  }

  async forgetDeadInstance(instanceId: string, epoch: string): Promise<boolean> {
    const forgotten = await this.redis
      .presenceForgetDead(leaseKey(instanceId), REGISTRY_KEY, instanceSessionsKey(instanceId), instanceId, epoch)
      .catch(fromRedis);
    return forgotten === 1;
  }
}
