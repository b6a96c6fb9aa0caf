/**
 * Mutual exclusion per room for the read-then-write mutations (enter, build, leave, replacement).
 * Two adapters: Redlock over Redis (services mode) and an in-process mutex (embedded mode).
 * The lock is an optimisation of contention, not the only guard: every write it protects is also
 * checked inside Redis (session ids, map version), so an expired lock cannot corrupt a room.
 */
export interface RoomLocks {
  withRoomLock<T>(roomId: string, fn: () => Promise<T>): Promise<T>;
}

export const ROOM_LOCKS = Symbol('ROOM_LOCKS');
