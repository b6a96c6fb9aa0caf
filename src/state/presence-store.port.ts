import type { SessionRecord } from './room-state.port';

/**
 * Which instances are alive, for the instance lease and the reaper of dead instances
 * (presence/). Two adapters: Redis (services mode, shared by every instance, and the one whose
 * lease fences room writes) and in-process memory (the embedded mode runs no reaper, so it serves
 * the fast tests of the presence policy, held to the same contract as Redis).
 *
 * An instance registers under a fresh random `epoch` per incarnation and keeps its lease alive
 * by renewing it before `ttlMs` runs out. An instance whose lease ran out is dead: its sessions
 * are removed by whoever reaps it, and then it is forgotten.
 */
export interface PresenceStore {
  /**
   * The epoch of the shared live state (the one room state writes return, see redis-scripts.ts),
   * created when missing. A lease that vanished while this still reads as it did when the lease
   * was taken expired; a lease that vanished with a new data epoch was lost with everything else.
   */
  dataEpoch(): Promise<string>;
  /** Takes the lease and registers `epoch` as the instance's latest; false while the lease is held (by any epoch). */
  acquireLease(instanceId: string, epoch: string, ttlMs: number): Promise<boolean>;
  /** Pushes the lease's expiry `ttlMs` forward; false when the lease no longer holds `epoch`. */
  renewLease(instanceId: string, epoch: string, ttlMs: number): Promise<boolean>;
  /**
   * Gives the lease up if it holds `epoch`. The registration stays while the instance still has
   * sessions recorded, so a reaper removes them.
   */
  releaseLease(instanceId: string, epoch: string): Promise<void>;
  /** Every registered instance → the epoch of its latest incarnation. */
  registeredInstances(): Promise<Map<string, string>>;
  isLeaseAlive(instanceId: string): Promise<boolean>;
  /**
   * Runs `reap` while holding the claim on a dead instance, so that only one reaper does the work;
   * resolves undefined without running it when another reaper holds the claim (or it cannot be
   * taken). The claim expires after `ttlMs`: it is an optimisation, each removal being safe alone.
   */
  withReapClaim<T>(instanceId: string, ttlMs: number, reap: () => Promise<T>): Promise<T | undefined>;
  /**
   * The sessions a dead instance left, or null when its lease is alive again. One consistent read,
   * so a session of a new incarnation is never taken for one of the dead instance.
   */
  sessionsOfDeadInstance(instanceId: string): Promise<SessionRecord[] | null>;
  /**
   * Unregisters a dead instance's incarnation `epoch` (not a newer one). True when the instance is
   * gone for good (no lease, no sessions left), false when it is alive again or sessions remain.
   */
  forgetDeadInstance(instanceId: string, epoch: string): Promise<boolean>;
}

export const PRESENCE_STORE = Symbol('PRESENCE_STORE');
