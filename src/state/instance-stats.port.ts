/**
 * What each instance tells the others about itself, for GET /api/instances: refreshed every
 * heartbeat with a TTL, so an instance that dies drops out of the list on its own.
 * Two adapters: Redis (services mode, every instance's figures) and memory (embedded: just this one).
 */
export interface InstanceStats {
  instanceId: string;
  /** ISO 8601. */
  startedAt: string;
  /** Open WebSocket sessions. */
  sessions: number;
  /** Rooms this instance has sessions in. */
  rooms: number;
  /** The epoch of the instance lease it holds; null in embedded mode or while it holds none. */
  leaseEpoch: string | null;
  draining: boolean;
  /** p99 event-loop delay over the last heartbeat. */
  eventLoopLagMs: number;
  /** Publish-to-delivery delay of the last event received from another instance; null when none. */
  brokerLagMs: number | null;
  /** ISO 8601: when these figures were taken. */
  updatedAt: string;
}

export interface InstanceStatsStore {
  /** Stores this instance's figures for `ttlMs`. */
  publish(stats: InstanceStats, ttlMs: number): Promise<void>;
  /** Every instance whose figures have not expired. */
  list(): Promise<InstanceStats[]>;
  remove(instanceId: string): Promise<void>;
}

export const INSTANCE_STATS = Symbol('INSTANCE_STATS');
