import type Redis from 'ioredis';
import type Redlock from 'redlock';

/**
 * The ioredis client as redlock 4 wants it. ioredis accepts the array-style eval calls redlock 4
 * makes; only redlock's typings, which predate ioredis 5, disagree.
 */
export function asRedlockClient(redis: Redis): Redlock.CompatibleRedisClient {
  return redis as unknown as Redlock.CompatibleRedisClient;
}
