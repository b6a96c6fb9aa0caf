import type Redis from 'ioredis';
import Redlock from 'redlock';
import { UnavailableError } from '../protocol/errors';
import type { RoomLocks } from './room-locks.port';

/**
 * Redlock on the shared Redis. Redlock's default 200 ms retry delay would wreck enter/build
 * latency under contention, so it retries every ~20 ms (with jitter) for up to ~2 s.
 */
export class RedlockRoomLocks implements RoomLocks {
  private readonly redlock: Redlock;

  constructor(redis: Redis, private readonly ttlMs: number) {
    // ioredis accepts the array-style eval calls redlock 4 makes; its typings predate ioredis 5.
    this.redlock = new Redlock([redis as unknown as Redlock.CompatibleRedisClient], { retryCount: 100, retryDelay: 15, retryJitter: 10, driftFactor: 0.01 });
    // Redlock reports lock losses it notices in the background; the callers' own checks cover them.
    this.redlock.on('clientError', () => undefined);
  }

  async withRoomLock<T>(roomId: string, fn: () => Promise<T>): Promise<T> {
    let lock: Redlock.Lock;
    try {
      lock = await this.redlock.lock(`lock:room:{${roomId}}`, this.ttlMs);
    } catch {
      // Redlock reports contention and an unreachable Redis alike (attempts exhausted): say both.
      throw new UnavailableError(`could not lock room ${roomId} (busy, or Redis is unreachable); nothing was changed`);
    }
    try {
      return await fn();
    } finally {
      // An unlock failure means the lock already expired; the holder's writes were fenced anyway.
      await lock.unlock().catch(() => undefined);
    }
  }
}
