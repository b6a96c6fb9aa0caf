import type Redis from 'ioredis';
import type Redlock from 'redlock';

/**
 * The ioredis client as redlock 4 wants it. ioredis accepts the array-style eval calls redlock 4
 * makes; only redlock's typings, which predate ioredis 5, disagree.
 */
export function asRedlockClient(redis: Redis): RedlockClient {
  return redis as unknown as RedlockClient;
}

/** What the room locks need of the client: redlock's calls, and word of each (re)connection. */
export type RedlockClient = Redlock.CompatibleRedisClient & { on(event: 'ready', listener: () => void): unknown };
