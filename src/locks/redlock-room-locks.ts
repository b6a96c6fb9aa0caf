import Redlock from 'redlock';
import { RoomBusyError } from '../protocol/errors';
import type { RoomLocks } from './room-locks.port';

/**
 * Redlock on the shared Redis. Redlock's default 200 ms retry delay would wreck enter/build
 * latency under contention, so it retries every ~20 ms (with jitter) for up to ~2 s.
 */
export class RedlockRoomLocks implements RoomLocks {
  private readonly redlock: Redlock;

  /** `redis`: the shared client (state/redis/redlock-client.ts). */
  constructor(redis: Redlock.CompatibleRedisClient, private readonly ttlMs: number) {
    this.redlock = new Redlock([redis], { retryCount: 100, retryDelay: 15, retryJitter: 10, driftFactor: 0.01 });
    // Redlock reports lock losses it notices in the background; the callers' own checks cover them.
    this.redlock.on('clientError', () => undefined);
  }

  async withRoomLock<T>(roomId: string, fn: () => Promise<T>): Promise<T> {
    let lock: Redlock.Lock;
    try {
      lock = await this.redlock.lock(`lock:room:{${roomId}}`, this.ttlMs);
    } catch (err) {
      // Redlock reports contention and an unreachable Redis alike (attempts exhausted): say both.
      if (err instanceof Redlock.LockError) {
        throw new RoomBusyError(`could not lock room ${roomId} (busy, or Redis is unreachable); nothing was changed`);
      }
      throw err;
    }
    try {
      return await fn();
    } finally {
      // An unlock failure means the lock already expired; the holder's writes were fenced anyway.
      await lock.unlock().catch(() => undefined);
    }
  }
}
