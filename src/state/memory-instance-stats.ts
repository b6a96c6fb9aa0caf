import type { InstanceStats, InstanceStatsStore } from './instance-stats.port';

/** The embedded mode's instance list: this process's own figures, with the same expiry as in Redis. */
export class MemoryInstanceStats implements InstanceStatsStore {
  private readonly entries = new Map<string, { stats: InstanceStats; expiresAt: number }>();

  async publish(stats: InstanceStats, ttlMs: number): Promise<void> {
    this.entries.set(stats.instanceId, { stats: { ...stats }, expiresAt: Date.now() + ttlMs });
  }

  async list(): Promise<InstanceStats[]> {
    const now = Date.now();
    for (const [id, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(id);
    return [...this.entries.values()].map((e) => ({ ...e.stats }));
  }

  async remove(instanceId: string): Promise<void> {
    this.entries.delete(instanceId);
  }
}
