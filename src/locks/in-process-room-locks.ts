import { RoomBusyError } from '../protocol/errors';
import { KeyedMutex, LockWaitTimeout } from './keyed-mutex';
import { lockWait } from './lock-wait';
import type { RoomLocks } from './room-locks.port';

/**
 * Room locks of the embedded (single-instance) mode: one async mutex per room in this process.
 * Every enter, build and leave of the only instance goes through it, so it gives the mutual
 * exclusion Redlock gives across instances. There is no lease to expire: the holder lives in this
 * process and always releases in `finally`.
 *
 * Like the Redlock adapter (which retries for about 2 s), a caller that cannot get the lock within
 * `maxWaitMs` gets UNAVAILABLE ("room is busy") instead of queueing behind a stuck holder forever.
 */
export class InProcessRoomLocks implements RoomLocks {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly maxWaitMs = 2000) {}

  async withRoomLock<T>(roomId: string, fn: () => Promise<T>): Promise<T> {
    let release: () => void;
    try {
      release = await lockWait(roomId, () => this.mutex.acquire(roomId, this.maxWaitMs));
    } catch (err) {
      if (err instanceof LockWaitTimeout) throw new RoomBusyError(`room ${roomId} is busy: ${err.message}`);
      throw err;
    }
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
