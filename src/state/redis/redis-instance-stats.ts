import type Redis from 'ioredis';
import type { InstanceStats, InstanceStatsStore } from '../instance-stats.port';
import { fromRedis } from './redis-errors';
import { instanceStatsKey as statsKey } from './redis-keys';

/** Index of the instances that published figures: instanceId → when its figures expire (epoch ms). */
const INDEX_KEY = 'instance-stats';

/**
 * Instance figures in Redis: one JSON string per instance with a TTL (`instance:{I}:stats`), and
 * a sorted set indexing them so listing needs no SCAN. The string's TTL is the truth; the index
 * entry of an instance that stopped refreshing is pruned on the next list.
 */
export class RedisInstanceStats implements InstanceStatsStore {
  constructor(private readonly redis: Redis) {}

  async publish(stats: InstanceStats, ttlMs: number): Promise<void> {
    await this.redis
      .multi()
      .set(statsKey(stats.instanceId), JSON.stringify(stats), 'PX', ttlMs)
      .zadd(INDEX_KEY, Date.now() + ttlMs, stats.instanceId)
      .exec()
      .catch(fromRedis);
  }

  async list(): Promise<InstanceStats[]> {
    await this.redis.zremrangebyscore(INDEX_KEY, '-inf', Date.now()).catch(fromRedis);
    const ids = await this.redis.zrange(INDEX_KEY, 0, -1).catch(fromRedis);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(...ids.map(statsKey)).catch(fromRedis);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as InstanceStats);
  }

  async remove(instanceId: string): Promise<void> {
    await this.redis.multi().del(statsKey(instanceId)).zrem(INDEX_KEY, instanceId).exec().catch(fromRedis);
  }
}
