import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { backoffDelay } from '../common/backoff';
import { APP_CONFIG, type ServicesConfig } from '../config/config';
import { LOGGER, type Logger } from '../logging/logger';
import { RoomsService } from '../rooms/rooms.service';
import { SessionRegistry } from '../rooms/session-registry';
import { PRESENCE_STORE, type PresenceStore } from '../state/presence-store.port';
import { ROOM_STATE, type RoomStateStore, type SessionRecord } from '../state/room-state.port';
import { INSTANCE_LEASE, type InstanceLease } from './instance-lease';

/** How many avatars of a dead instance are removed at once. */
const REAP_CONCURRENCY = 8;
/** Longest a reaper holds its claim on a dead instance. */
const REAP_LOCK_MS = 10_000;

/**
 * Instance presence: holds this instance's lease, and reaps the instances that died.
 *
 * - At start we take a new lease epoch, then remove avatars a previous incarnation with the same
 *   INSTANCE_ID left behind (a quick restart may renew the lease key before anybody noticed the
 *   death, so nobody else would).
 * - Every REAPER_INTERVAL_MS (jittered, so instances do not scan in lockstep) we look for
 *   registered instances whose lease expired and remove their avatars with reason `timeout`,
 *   published like any other event. A claim per dead instance (a Redlock in services mode) keeps
 *   the others from doing the same work; it is only an optimisation: each removal is one atomic,
 *   idempotent state write, so two reapers (after a claim expired) still produce one `left` per
 *   avatar.
 * - When our own lease is lost (we stalled past the TTL), our room writes are already refused by
 *   the scripts. We drop every local session (clients get 1012 and reconnect, through the gateway,
 *   to a healthy instance), then register again under a new epoch and clean up what we left.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private recovering?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: ServicesConfig,
    @Inject(PRESENCE_STORE) private readonly presence: PresenceStore,
    @Inject(INSTANCE_LEASE) private readonly lease: InstanceLease,
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly rooms: RoomsService,
    private readonly sessions: SessionRegistry,
  ) {}

  private get me(): string {
    return this.config.instanceId;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.lease.onLost(() => {
      this.recovering ??= this.recover().finally(() => {
        this.recovering = undefined;
      });
    });
    this.lease.onDataLost(() => {
      this.recovering ??= this.rebuild().finally(() => {
        this.recovering = undefined;
      });
    });
    await this.register();
    this.scheduleScan();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.recovering?.catch(() => undefined);
    await this.lease.release().catch((err: unknown) => this.log.warn({ err }, 'could not release the lease'));
  }

  /**
   * Takes a fresh epoch, then removes the avatars our previous incarnation left. A lease still
   * held is waited for (a previous process with our INSTANCE_ID may be draining or just died), but
   * not forever: held for longer than a drain can take means another live process has our id.
   */
  private async register(): Promise<void> {
    const deadline = Date.now() + this.config.shutdownTimeoutMs + 2 * this.config.presence.leaseTtlMs;
    for (let waited = false; ; waited = true) {
      // Read before registering: until we hold the new epoch no write of ours can add a record,
      // so everything listed here belongs to an earlier incarnation.
      const leftovers = await this.state.sessionsOfInstance(this.me);
      if (await this.lease.tryAcquire()) {
        if (leftovers.length) {
          this.log.warn(
            { sessions: leftovers.length },
            'removing avatars left by a previous incarnation of this instance',
          );
          await this.removeAll(leftovers, this.me);
        }
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `the lease of INSTANCE_ID ${this.me} stays held by another live process: every instance needs its own INSTANCE_ID`,
        );
      }
      if (!waited)
        this.log.warn('the lease of this INSTANCE_ID is still held (a previous process?); waiting for it to expire');
      await sleep(200);
    }
  }

  private async recover(): Promise<void> {
    this.sessions.abandonAll();
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.register();
        this.log.info('serving again under a new lease');
        return;
      } catch (err) {
        this.log.warn({ err, attempt }, 'could not register again; retrying');
        await sleep(backoffDelay(attempt, { baseMs: 100, maxMs: 2000, factor: 2 })); // 100-200 ms, doubling up to 1-2 s
      }
    }
  }

  /**
   * The shared state was lost (Redis flushed or restarted empty) under live sessions: the data
   * epoch changed, and with it every room's. Our sessions are still ours, so rather than drop them
   * we take a lease again and put each one back into its room (an avatar re-enters on the spawn
   * cell); the room channels send every client the room afresh in the new epoch
   * (rooms/room-channels.ts). If the lease cannot be taken (another process holds our id), fall
   * back to dropping everything, as for a lost lease.
   */
  private async rebuild(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        // A retry after a failed restore keeps the lease an earlier attempt took: taking it again
        // would find it held (by us) and drop every session.
        if (!this.lease.held) {
          this.rooms.seatsLost();
          if (!(await this.lease.tryAcquire())) {
            this.rooms.forgetLostSeats();
            return await this.recover();
          }
        }
        const seats = await this.rooms.restoreSeats();
        this.log.warn({ seats }, 'serving again under a new data epoch; every local seat restored');
        return;
      } catch (err) {
        this.log.warn({ err, attempt }, 'could not rebuild after the shared state was lost; retrying');
        await sleep(backoffDelay(attempt, { baseMs: 100, maxMs: 2000, factor: 2 }));
      }
    }
  }

  private scheduleScan(): void {
    if (this.stopped) return;
    const interval = this.config.presence.reapIntervalMs;
    this.timer = setTimeout(
      () => {
        this.scan()
          .catch((err: unknown) => this.log.warn({ err }, 'reaper scan failed'))
          .finally(() => this.scheduleScan());
      },
      Math.round(interval * (0.8 + Math.random() * 0.4)),
    );
    this.timer.unref();
  }

  /** Finds registered instances whose lease expired, and reaps each one nobody else is reaping. */
  private async scan(): Promise<void> {
    if (!this.lease.held) return;
    const registry = [...(await this.presence.registeredInstances())].filter(([id]) => id !== this.me);
    if (!registry.length) return;
    const alive = await Promise.all(registry.map(([id]) => this.presence.isLeaseAlive(id)));
    for (const [i, [id, epoch]] of registry.entries()) {
      if (!alive[i] && !this.stopped) await this.reap(id, epoch);
    }
  }

  private async reap(instanceId: string, epoch: string): Promise<void> {
    await this.presence.withReapClaim(instanceId, REAP_LOCK_MS, async () => {
      const records = await this.presence.sessionsOfDeadInstance(instanceId);
      if (!records) return; // it came back
      const started = Date.now();
      await this.removeAll(records, instanceId);
      const forgotten = await this.presence.forgetDeadInstance(instanceId, epoch);
      this.log.warn(
        { dead: instanceId, epoch, sessions: records.length, ms: Date.now() - started, forgotten },
        'reaped a dead instance',
      );
    });
  }

  private async removeAll(records: SessionRecord[], instanceId: string): Promise<void> {
    const queue = [...records];
    const worker = async () => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        await this.rooms
          .removeOrphan(r, instanceId)
          .catch((err: unknown) =>
            this.log.warn(
              { err, room: r!.roomId, user: r!.userId, dead: instanceId },
              'could not remove an orphaned avatar; a later scan retries',
            ),
          );
      }
    };
    await Promise.all(Array.from({ length: Math.min(REAP_CONCURRENCY, queue.length) }, worker));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
