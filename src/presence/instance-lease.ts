import { randomBytes } from 'node:crypto';
import type { Logger } from '../logging/logger';
import type { PresenceStore } from '../state/presence-store.port';
import type { WriteFence } from '../state/room-state.port';

export const INSTANCE_LEASE = Symbol('INSTANCE_LEASE');

type LeaseState = 'unregistered' | 'held' | 'lost';

/**
 * This instance's lease in the presence store: the epoch of this incarnation, with a TTL that
 * the heartbeat keeps pushing forward. While the lease holds our epoch we may write room state
 * (every mutating Redis script checks it, see state/redis/redis-scripts.ts); once it expires,
 * other instances treat us as dead and remove our avatars.
 *
 * Why an epoch and not just "the key exists": an instance that stalls (GC pause, SIGSTOP, a
 * network partition from Redis) longer than the TTL and then comes back must not keep writing
 * with its old identity, even after it (or a restarted process with the same INSTANCE_ID)
 * registered again. Each acquisition takes a fresh random epoch, so writes made under an older
 * one are refused (FENCED). Fencing needs epochs to differ, not to grow, so no counter is kept.
 *
 * We also consider the lease lost when renewals have failed for longer than the TTL, even if
 * Redis is unreachable and cannot tell us: by then the others may already be cleaning up.
 */
export class InstanceLease implements WriteFence {
  private state: LeaseState = 'unregistered';
  private epoch?: string;
  /** The data epoch (presence-store.port.ts) read when the lease was taken. */
  private dataEpoch?: string;
  private lastRenewStart = 0;
  /** Renewals sent and not answered yet, and when the last one was sent. */
  private renewalsInFlight = 0;
  private lastRenewSent = 0;
  private timer?: NodeJS.Timeout;
  private readonly lostHandlers: ((reason: string) => void)[] = [];
  private readonly dataLostHandlers: (() => void)[] = [];

  constructor(
    private readonly store: PresenceStore,
    readonly instanceId: string,
    private readonly ttlMs: number,
    private readonly heartbeatMs: number,
    private readonly log: Logger,
  ) {}

  get held(): boolean {
    return this.state === 'held';
  }

  /** The fence every room write must pass; an epoch no lease ever holds while we hold none. */
  current(): { instanceId: string; epoch: string } {
    return { instanceId: this.instanceId, epoch: this.state === 'held' && this.epoch ? this.epoch : 'none' };
  }

  reportFenced(): void {
    void this.renew();
  }

  onLost(handler: (reason: string) => void): void {
    this.lostHandlers.push(handler);
  }

  /**
   * The lease vanished together with all the shared data (Redis flushed, or restarted empty): we
   * did not stall, nobody reaped us, our sessions are still ours. Writes are refused until the
   * handler takes the lease again (tryAcquire) and puts our avatars back.
   */
  onDataLost(handler: () => void): void {
    this.dataLostHandlers.push(handler);
  }

  /**
   * Takes the lease under a fresh epoch (a new incarnation) and starts the heartbeat, unless the
   * lease key is still held: by this INSTANCE_ID's previous process until its lease expires, or
   * by another live process wrongly sharing the INSTANCE_ID. Returns the epoch, or undefined.
   */
  async tryAcquire(): Promise<string | undefined> {
    const started = Date.now();
    const epoch = `${started.toString(36)}.${randomBytes(6).toString('hex')}`;
    // Read first: should the data be lost right after, the lease goes with it and we notice.
    const dataEpoch = await this.store.dataEpoch();
    if (!(await this.store.acquireLease(this.instanceId, epoch, this.ttlMs))) return undefined;
    this.epoch = epoch;
    this.dataEpoch = dataEpoch;
    this.lastRenewStart = started;
    this.state = 'held';
    this.timer ??= setInterval(() => void this.renew(), this.heartbeatMs);
    this.timer.unref();
    this.log.info({ epoch: this.epoch, ttlMs: this.ttlMs }, 'instance lease acquired');
    return this.epoch;
  }

  /** Graceful exit: gives the lease up so nobody waits for it to expire. */
  async release(): Promise<void> {
    this.stop();
    const epoch = this.epoch;
    if (this.state !== 'held' || !epoch) return;
    this.state = 'unregistered';
    this.epoch = undefined;
    await this.store.releaseLease(this.instanceId, epoch);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * One renewal at a time, unless the one in flight has gone unanswered for a whole heartbeat: a
   * command caught by a connection that dropped (Redis restarted) is not answered before its
   * timeout, longer than the TTL, while the reconnected connection answers a new renewal at once.
   * Waiting for the old one would let the lease expire under a healthy Redis.
   */
  private async renew(): Promise<void> {
    if (this.state !== 'held') return;
    if (this.renewalsInFlight > 0 && Date.now() - this.lastRenewSent < this.heartbeatMs) return;
    this.renewalsInFlight++;
    const epoch = this.epoch!;
    const started = Date.now();
    this.lastRenewSent = started;
    try {
      const ok = await this.store.renewLease(this.instanceId, epoch, this.ttlMs);
      if (epoch !== this.epoch) return;
      if (ok) this.renewed(started);
      else if ((await this.store.dataEpoch()) !== this.dataEpoch && epoch === this.epoch) this.dataLost();
      else this.lose('the lease expired or was taken over');
    } catch (err) {
      // The TTL counts from when the last successful renewal was sent.
      if (epoch === this.epoch && Date.now() - this.lastRenewStart > this.ttlMs) {
        this.lose(`could not renew for ${Date.now() - this.lastRenewStart} ms: ${(err as Error).message}`);
      } else {
        this.log.warn({ err: (err as Error).message }, 'lease renewal failed; retrying');
      }
    } finally {
      this.renewalsInFlight--;
    }
  }

  /**
   * A renewal went through. One that comes more than half a TTL after the previous one is a near
   * miss: a little later and the others would have taken us for dead. Said in the log with where
   * the time went: before sending (the event loop was held up) or waiting for Redis to answer.
   */
  private renewed(started: number): void {
    const sincePrevious = started - this.lastRenewStart;
    if (sincePrevious > this.ttlMs / 2) {
      this.log.warn(
        { sincePreviousMs: sincePrevious, answeredInMs: Date.now() - started, ttlMs: this.ttlMs },
        'lease renewed late: more than half its TTL after the previous renewal',
      );
    }
    this.lastRenewStart = Math.max(this.lastRenewStart, started);
  }

  private dataLost(): void {
    if (this.state !== 'held') return;
    this.state = 'lost';
    this.log.error({ epoch: this.epoch }, 'the shared state was lost (Redis flushed or restarted empty): rebuilding');
    this.epoch = undefined;
    for (const h of this.dataLostHandlers) h();
  }

  private lose(reason: string): void {
    if (this.state !== 'held') return;
    this.state = 'lost';
    this.log.error({ epoch: this.epoch, reason }, 'instance lease lost: this instance stops serving its sessions');
    this.epoch = undefined;
    for (const h of this.lostHandlers) h(reason);
  }
}
