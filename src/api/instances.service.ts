import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  NotFoundException,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ShutdownRequest } from '../common/shutdown-request';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { EVENT_FANOUT, type EventFanout } from '../fanout/fanout.port';
import { LOGGER, type Logger } from '../logging/logger';
import { SessionRegistry } from '../rooms/session-registry';
import { INSTANCE_STATS, type InstanceStats, type InstanceStatsStore } from '../state/instance-stats.port';
import { ROOM_STATE, type RoomStateStore } from '../state/room-state.port';

/** This instance's lease epoch, or null (embedded mode, or no lease held right now). */
export type LeaseEpoch = () => string | null;
export const LEASE_EPOCH = Symbol('LEASE_EPOCH');

/** Embedded mode has no lease heartbeat to follow: figures are refreshed this often. */
const EMBEDDED_REFRESH_MS = 1000;

/**
 * Every live instance and its figures (GET /api/instances), and draining one of them wherever
 * the request arrived (POST /api/instances/:id/drain).
 *
 * Each instance publishes its own figures every lease heartbeat, with the lease's TTL, so the list
 * is at most a heartbeat old and an instance that died leaves it when its lease would expire.
 * This instance's own entry is always taken fresh.
 */
@Injectable()
export class InstancesService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly startedAt = new Date().toISOString();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private timer?: NodeJS.Timeout;
  private drainRequested = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INSTANCE_STATS) private readonly store: InstanceStatsStore,
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    @Inject(EVENT_FANOUT) private readonly fanout: EventFanout,
    @Inject(LEASE_EPOCH) private readonly leaseEpoch: LeaseEpoch,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly sessions: SessionRegistry,
    private readonly shutdown: ShutdownRequest,
  ) {}

  get me(): string {
    return this.config.instanceId;
  }

  onApplicationBootstrap(): void {
    this.loopDelay.enable();
    this.fanout.onControl((m) => {
      if (m.kind === 'drain' && m.targetInstance === this.me) this.drainHere('a drain request from another instance');
    });
    const every = this.config.mode === 'services' ? this.config.presence.heartbeatMs : EMBEDDED_REFRESH_MS;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), every);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.loopDelay.disable();
    await this.store
      .remove(this.me)
      .catch((err: unknown) => this.log.warn({ err }, 'could not remove this instance from the instance list'));
  }

  /** Every live instance, this one included, by id. */
  async list(): Promise<InstanceStats[]> {
    const [published, mine] = await Promise.all([this.store.list(), this.current()]);
    return [...published.filter((s) => s.instanceId !== this.me), mine].sort((a, b) =>
      a.instanceId.localeCompare(b.instanceId),
    );
  }

  /** Ids of the live instances (whose sessions count as live). */
  async liveIds(): Promise<string[]> {
    const published = await this.store.list();
    return [...new Set([this.me, ...published.map((s) => s.instanceId)])];
  }

  /** Drains `instanceId` as SIGTERM would; 404 when no such instance is live. */
  async drain(instanceId: string): Promise<void> {
    if (instanceId === this.me) {
      this.drainHere('POST /api/instances/:id/drain');
      return;
    }
    if (!(await this.store.list()).some((s) => s.instanceId === instanceId))
      throw new NotFoundException(`no live instance ${instanceId}`);
    await this.fanout.sendControl({ kind: 'drain', targetInstance: instanceId });
  }

  /** The SIGTERM path, after the current request has been answered. */
  private drainHere(why: string): void {
    if (this.drainRequested) return;
    this.drainRequested = true;
    this.log.warn({ why }, 'drain requested: shutting down as on SIGTERM');
    setImmediate(() => {
      void this.refresh();
      if (!this.shutdown.request()) {
        void this.sessions
          .drain(1000, this.config.drainGraceMs)
          .catch((err: unknown) => this.log.error({ err }, 'drain failed'));
      }
    });
  }

  private async current(): Promise<InstanceStats> {
    const records = await this.state.sessionsOfInstance(this.me);
    const p99 = this.loopDelay.percentile(99) / 1e6;
    return {
      instanceId: this.me,
      startedAt: this.startedAt,
      sessions: this.sessions.sessionCount,
      rooms: new Set(records.map((r) => r.roomId)).size,
      leaseEpoch: this.leaseEpoch(),
      draining: this.sessions.isDraining || this.drainRequested,
      eventLoopLagMs: Number.isFinite(p99) ? Math.round(p99 * 10) / 10 : 0,
      brokerLagMs: this.fanout.consumerLagMs?.() ?? null,
      updatedAt: new Date().toISOString(),
    };
  }

  private async refresh(): Promise<void> {
    try {
      const stats = await this.current();
      this.loopDelay.reset();
      const ttlMs = this.config.mode === 'services' ? this.config.presence.leaseTtlMs : 3 * EMBEDDED_REFRESH_MS;
      await this.store.publish(stats, ttlMs);
    } catch (err) {
      this.log.debug({ err }, "could not publish this instance's figures");
    }
  }
}
