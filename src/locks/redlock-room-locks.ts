import Redlock from 'redlock';
import { withDeadline } from '../common/deadline';
import { RoomBusyError } from '../protocol/errors';
import type { RedlockClient } from '../state/redis/redlock-client';
import { KeyedMutex, LockWaitTimeout } from './keyed-mutex';
import { lockWait } from './lock-wait';
import type { RoomLocks } from './room-locks.port';

/** Longest an enter, build or leave waits for its room's lock: Redlock's ~2 s of retries, and some slack. */
const ACQUIRE_DEADLINE_MS = 3000;
/** A caller that waited its turn here until the deadline still gets this long to try Redlock. */
const LAST_TRY_MS = 100;

/**
 * Redlock on the shared Redis. Redlock's default 200 ms retry delay would wreck enter/build
 * latency under contention, so it retries every ~20 ms (with jitter) for up to ~2 s.
 *
 * Callers of one room on this instance first queue here, in arrival order, so only one of them
 * at a time asks Redis: when many sockets of a room drop at once, their leaves would otherwise all
 * poll Redlock, and each failed attempt costs two scripts in Redis (the try, and Redlock's undo of
 * it), with no order among them. Instances still contend through Redlock alone, and a long
 * queue here hands the lock on within a round trip while another instance's caller retries every
 * ~20 ms: that caller may wait for most of the queue, and gets UNAVAILABLE at the deadline, as it
 * would behind any busy holder.
 *
 * A release that cannot reach Redis (the connection dropped while the lock was held) is sent again
 * when the client is ready: otherwise the key would keep the room locked for the rest of its TTL
 * (3 s by default, longer than a waiter's ~2 s of retries), and every enter, build and leave of
 * that room would answer UNAVAILABLE although Redis is back. The release only deletes the key if
 * it still holds this lock's value, so sending it late can never free someone else's lock.
 * Not covered: an acquire whose reply was lost with the connection (Redlock's own clean-up of it
 * fails the same way, and we never learn its value); that key lives out its TTL.
 */
export class RedlockRoomLocks implements RoomLocks {
  private readonly redlock: Redlock;
  /** Locks whose release failed, with the time they expire on their own anyway. */
  private readonly unreleased = new Map<Redlock.Lock, number>();
  /** This instance's callers, one room lock attempt at a time per room. */
  private readonly queue = new KeyedMutex();

  /** `redis`: the shared client (state/redis/redlock-client.ts). */
  constructor(
    redis: RedlockClient,
    private readonly ttlMs: number,
  ) {
    this.redlock = new Redlock([redis], { retryCount: 100, retryDelay: 15, retryJitter: 10, driftFactor: 0.01 });
    // Redlock reports lock losses it notices in the background; the callers' own checks cover them.
    this.redlock.on('clientError', () => undefined);
    redis.on('ready', () => this.releaseLeftovers());
  }

  async withRoomLock<T>(roomId: string, fn: () => Promise<T>): Promise<T> {
    let turn: () => void = () => undefined;
    let lock: Redlock.Lock;
    try {
      lock = await lockWait(roomId, async () => {
        const since = Date.now();
        turn = await this.queue.acquire(roomId, ACQUIRE_DEADLINE_MS);
        const left = Math.max(LAST_TRY_MS, ACQUIRE_DEADLINE_MS - (Date.now() - since));
        return this.acquire(`lock:room:{${roomId}}`, left);
      });
    } catch (err) {
      turn();
      // Redlock reports contention and an unreachable Redis alike (attempts exhausted): say both.
      if (err instanceof Redlock.LockError || err instanceof LockWaitTimeout) {
        throw new RoomBusyError(`could not lock room ${roomId} (busy, or Redis is unreachable); nothing was changed`);
      }
      throw err;
    }
    try {
      return await fn();
    } finally {
      // The Redis key goes first, so the next caller in line finds the room free at its first try.
      await this.release(lock);
      turn();
    }
  }

  /**
   * Redlock's attempts are ~20 ms apart only while Redis answers: on a black-holed connection each
   * one waits out the command timeout, and its 100 attempts would add up to minutes. So the whole
   * acquire has a deadline (`withinMs`); a lock granted after it is released at once.
   */
  private acquire(resource: string, withinMs: number): Promise<Redlock.Lock> {
    const acquiring = this.redlock.lock(resource, this.ttlMs);
    return withDeadline(acquiring, withinMs, () => {
      void acquiring.then(
        (late) => this.release(late),
        () => undefined,
      );
      throw new Redlock.LockError(`no lock on ${resource} within ${withinMs} ms`);
    });
  }

  /** Number of locks whose release still waits for Redis (for tests and metrics). */
  get pendingReleases(): number {
    return this.unreleased.size;
  }

  private async release(lock: Redlock.Lock): Promise<void> {
    // Redlock zeroes `expiration` when asked to unlock; keep it to know when retrying is moot.
    const expiresAt = lock.expiration;
    try {
      await lock.unlock();
      this.unreleased.delete(lock);
    } catch {
      // Either Redis was unreachable (retried on reconnect) or the lock had already expired and
      // the key is gone or someone else's (the holder's writes were fenced anyway).
      if (expiresAt > Date.now()) this.unreleased.set(lock, expiresAt);
      else this.unreleased.delete(lock);
    }
  }

  private releaseLeftovers(): void {
    for (const [lock, expiresAt] of this.unreleased) {
      this.unreleased.delete(lock);
      lock.expiration = expiresAt;
      if (expiresAt > Date.now()) void this.release(lock);
    }
  }
}
