import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { historyEventsWritten, historyWriteFailures } from '../../common/metrics';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { LOGGER, type Logger } from '../../logging/logger';
import { HistoryStore, type LoggedEvent, type RoomSnapshotRow } from '../../maps/history-store';
import { ROOM_STATE, type RoomStateStore, type SeqEvent } from '../../state/room-state.port';

/** Events are written at most this long after they happened... */
const FLUSH_AFTER_MS = 200;
/** ...or at once when this many wait. */
const FLUSH_AT_EVENTS = 500;
/** Beyond this many unwritten events (the store is down or slow) new ones are not kept. */
const MAX_BUFFERED = 20_000;
/** A room active here gets a snapshot after this many of its events written here... */
const SNAPSHOT_EVERY_EVENTS = 200;
/** ...or once this long has passed since its last one. */
const SNAPSHOT_EVERY_MS = 60_000;
/** How often the timeline is pruned to REPLAY_RETENTION (by every instance: it is idempotent). */
const PRUNE_EVERY_MS = 10 * 60_000;
/** A room not written to here for this long is forgotten (its next event starts a new snapshot). */
const IDLE_ROOM_MS = 10 * 60_000;

interface RoomMark {
  /** Events of the room written here since its last snapshot. */
  sinceSnapshot: number;
  lastSnapshotAt: number;
  lastEventAt: number;
  snapshotting: boolean;
}

/**
 * Keeps the rooms' timeline for replay: every event this instance assigned a seq to, and
 * snapshots of the rooms active here. Design, decided here:
 * - Each event is written by the instance that took its seq (it publishes it through RoomEvents,
 *   which hands it here), so every event is written once, whichever instance its room's clients
 *   are on, without a reader of the broker's streams.
 * - The live path only pushes into a buffer: writes go out in batches (every FLUSH_AFTER_MS, or
 *   FLUSH_AT_EVENTS rows) off the request path, so a move never waits for SQL, and a store that is
 *   down costs log lines and a metric (myroom_history_write_failures_total), never a refused move.
 *   What could not be written is not retried: the timeline then has a hole, which the next
 *   snapshot closes for every later point.
 * - A room's state at any point is a snapshot plus the events after it (replay.service.ts). A
 *   snapshot is the live state read back (readRoom: map, avatars, seq in one read), taken when a
 *   room first writes here, then every SNAPSHOT_EVERY_EVENTS events or SNAPSHOT_EVERY_MS. Two
 *   instances may snapshot the same room: harmless, both are true. Snapshot rows are written
 *   with the next batch of events, in its transaction: the timeline holds at most one pooled SQL
 *   connection and makes one commit per batch (written one transaction each, 50 busy rooms' snapshots
 *   could open as many transactions at once on the pool that builds and enters wait on).
 * - Retention: REPLAY_RETENTION is a floor. Pruning keeps each room's newest snapshot older than
 *   the cutoff and everything after it (HistoryStore.prune).
 */
@Injectable()
export class TimelineRecorder implements OnModuleInit, OnModuleDestroy {
  private buffer: LoggedEvent[] = [];
  /** Snapshots read and waiting for the next write, with the marks of their rooms. */
  private snapshots: { row: RoomSnapshotRow; mark: RoomMark }[] = [];
  private flushTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private pruneTimer?: NodeJS.Timeout;
  private readonly rooms = new Map<string, RoomMark>();
  /** One warning per outage, not one per batch. */
  private failing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly store: HistoryStore,
  ) {}

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.flush();
  }

  /** An event this instance just logged and published (`at`: server time, ms). Never throws, never waits. */
  record(roomId: string, event: SeqEvent, at: number): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      historyWriteFailures.inc({ kind: 'event' });
      return;
    }
    this.buffer.push({ roomId, epoch: event.epoch ?? null, seq: event.seq, at, json: event.json });
    this.markRoom(roomId, at);
    if (this.buffer.length >= FLUSH_AT_EVENTS) void this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
      this.flushTimer.unref();
    }
  }

  /** Writes what is buffered (after any write under way); resolves when written or given up. */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.buffer;
    const snapshots = this.snapshots;
    this.buffer = [];
    this.snapshots = [];
    // One write at a time keeps the rows of a room in seq order in the table, too, and keeps the
    // timeline to one pooled connection: the requests' reads and a build's transaction share
    // that pool, and must never queue behind the timeline's writes.
    this.flushing = this.flushing.then(() => this.write(batch, snapshots));
    return this.flushing;
  }

  private async write(batch: LoggedEvent[], snapshots: { row: RoomSnapshotRow; mark: RoomMark }[]): Promise<void> {
    if (batch.length === 0 && snapshots.length === 0) return;
    try {
      await this.store.append(
        batch,
        snapshots.map((s) => s.row),
      );
      historyEventsWritten.inc(batch.length);
      if (this.failing) this.log.info({ events: batch.length }, 'replay timeline writable again');
      this.failing = false;
    } catch (err) {
      historyWriteFailures.inc({ kind: 'event' }, batch.length);
      if (snapshots.length) historyWriteFailures.inc({ kind: 'snapshot' }, snapshots.length);
      if (!this.failing) this.log.warn({ err, events: batch.length }, 'replay timeline: events not kept');
      this.failing = true;
      // Every room that lost events or a snapshot gets a snapshot as soon as it can, so later
      // points rebuild right.
      for (const e of batch) {
        const mark = this.rooms.get(e.roomId);
        if (mark) mark.sinceSnapshot = SNAPSHOT_EVERY_EVENTS;
      }
      for (const { mark } of snapshots) mark.sinceSnapshot = SNAPSHOT_EVERY_EVENTS;
    } finally {
      for (const { mark } of snapshots) mark.snapshotting = false;
    }
  }

  private markRoom(roomId: string, at: number): void {
    let mark = this.rooms.get(roomId);
    if (!mark || at - mark.lastEventAt > IDLE_ROOM_MS) {
      mark = { sinceSnapshot: SNAPSHOT_EVERY_EVENTS, lastSnapshotAt: 0, lastEventAt: at, snapshotting: false };
      this.rooms.set(roomId, mark);
      if (this.rooms.size > 1000) this.forgetIdle(at);
    }
    mark.sinceSnapshot++;
    mark.lastEventAt = at;
    const due = mark.sinceSnapshot >= SNAPSHOT_EVERY_EVENTS || at - mark.lastSnapshotAt >= SNAPSHOT_EVERY_MS;
    if (due && !mark.snapshotting) void this.snapshot(roomId, mark);
  }

  /**
   * Reads the room's live state now; the row goes out with the next batch of events (one
   * transaction for both), so snapshots add no commits and no connections of their own.
   */
  private async snapshot(roomId: string, mark: RoomMark): Promise<void> {
    mark.snapshotting = true;
    let queued = false;
    try {
      const live = await this.state.readRoom(roomId);
      // Its time is taken after the read: every event it holds happened before it.
      const at = Date.now();
      if (!live.map) return;
      const row = { roomId, epoch: epochOf(live), seq: live.seq, at, map: live.map, members: live.members };
      // Counted from the read: the events logged since then are the next snapshot's.
      mark.sinceSnapshot = 0;
      mark.lastSnapshotAt = at;
      this.snapshots.push({ row, mark });
      queued = true;
      if (!this.flushTimer) {
        this.flushTimer = setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
        this.flushTimer.unref();
      }
    } catch (err) {
      historyWriteFailures.inc({ kind: 'snapshot' });
      if (!this.failing) this.log.warn({ err, room: roomId }, 'replay timeline: snapshot not kept');
    } finally {
      // A queued snapshot is the room's until it is written (write() clears it then).
      if (!queued) mark.snapshotting = false;
    }
  }

  private forgetIdle(now: number): void {
    for (const [roomId, mark] of this.rooms)
      if (now - mark.lastEventAt > IDLE_ROOM_MS && !mark.snapshotting) this.rooms.delete(roomId);
  }

  /** Drops what is older than the retention (keeping each room rebuildable from then on). */
  async prune(now = Date.now()): Promise<number> {
    try {
      const deleted = await this.store.prune(now - this.config.history.retentionMs);
      if (deleted) this.log.info({ deleted }, 'replay timeline pruned');
      return deleted;
    } catch (err) {
      this.log.warn({ err }, 'replay timeline: pruning failed; will try again');
      return 0;
    }
  }
}

/**
 * The epoch of the live state a read counts its seq in, when the state says (null: it does not).
 * Events and snapshots of one epoch are read together, so a room whose seq started again is
 * never rebuilt from another run's rows.
 */
function epochOf(read: object): string | null {
  return 'epoch' in read && typeof read.epoch === 'string' ? read.epoch : null;
}
