import type { PresenceStore } from './presence-store.port';
import type { RoomStateStore, SessionRecord } from './room-state.port';
import { newEpoch } from './memory-room-state';

/**
 * Leases and the registry of instances in this process, beside the memory room state whose
 * per-instance session records it reads. The embedded mode has one instance and runs no reaper;
 * this adapter is the presence policy's fast test double, held to the Redis adapter's contract
 * (test/state/presence-store.contract.test.ts). Leases expire by the clock, as Redis keys do.
 */
export class MemoryPresenceStore implements PresenceStore {
  private readonly leases = new Map<string, { epoch: string; expiresAt: number }>();
  private readonly registry = new Map<string, string>();
  private readonly claims = new Map<string, number>();
  private readonly epoch = newEpoch();

  constructor(private readonly state: Pick<RoomStateStore, 'sessionsOfInstance'>) {}

  /** In one process the data is never lost without the process: one epoch for its life. */
  async dataEpoch(): Promise<string> {
    return this.epoch;
  }

  async acquireLease(instanceId: string, epoch: string, ttlMs: number): Promise<boolean> {
    if (this.liveEpoch(instanceId) !== undefined) return false;
    this.leases.set(instanceId, { epoch, expiresAt: Date.now() + ttlMs });
    this.registry.set(instanceId, epoch);
    return true;
  }

  async renewLease(instanceId: string, epoch: string, ttlMs: number): Promise<boolean> {
    if (this.liveEpoch(instanceId) !== epoch) return false;
    this.leases.set(instanceId, { epoch, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async releaseLease(instanceId: string, epoch: string): Promise<void> {
    if (this.liveEpoch(instanceId) === epoch) this.leases.delete(instanceId);
    if (this.registry.get(instanceId) !== epoch) return;
    const sessions = await this.state.sessionsOfInstance(instanceId);
    if (sessions.length === 0 && this.registry.get(instanceId) === epoch) this.registry.delete(instanceId);
  }

  async registeredInstances(): Promise<Map<string, string>> {
    return new Map(this.registry);
  }

  async isLeaseAlive(instanceId: string): Promise<boolean> {
    return this.liveEpoch(instanceId) !== undefined;
  }

  async withReapClaim<T>(instanceId: string, ttlMs: number, reap: () => Promise<T>): Promise<T | undefined> {
    const now = Date.now();
    if ((this.claims.get(instanceId) ?? 0) > now) return undefined;
    const expiresAt = now + ttlMs;
    this.claims.set(instanceId, expiresAt);
    try {
      return await reap();
    } finally {
      // Only our own claim: after it expired, another reaper may hold a newer one.
      if (this.claims.get(instanceId) === expiresAt) this.claims.delete(instanceId);
    }
  }

  async sessionsOfDeadInstance(instanceId: string): Promise<SessionRecord[] | null> {
    if (this.liveEpoch(instanceId) !== undefined) return null;
    const records = await this.state.sessionsOfInstance(instanceId);
    // Checked again after the read: a new incarnation that registered meanwhile owns these records.
    return this.liveEpoch(instanceId) === undefined ? records : null;
  }

  async forgetDeadInstance(instanceId: string, epoch: string): Promise<boolean> {
    if (this.liveEpoch(instanceId) !== undefined) return false;
    if ((await this.state.sessionsOfInstance(instanceId)).length > 0) return false;
    if (this.liveEpoch(instanceId) !== undefined) return false;
    if (this.registry.get(instanceId) === epoch) this.registry.delete(instanceId);
    return true;
  }

  private liveEpoch(instanceId: string): string | undefined {
    const lease = this.leases.get(instanceId);
    if (!lease) return undefined;
    if (lease.expiresAt > Date.now()) return lease.epoch;
    this.leases.delete(instanceId);
    return undefined;
  }
}
