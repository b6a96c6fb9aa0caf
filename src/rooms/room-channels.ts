import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { countRoomsWith, eventDelivery, type RoomCounts } from '../common/metrics';
import { LOGGER, type Logger } from '../logging/logger';
import { ROOM_STATE, type RoomStateStore, type SeqEvent } from '../state/room-state.port';
import { currentTick, RoomTurn } from '../codec/event-batch';
import { EventFrames } from '../codec/event-frames';
import type { ClientSession } from './client-session';

/** The mover's own copy of a `moved` carries the `id` of its request. */
export interface ReplyTo {
  sessionId: string;
  requestId: string;
}

/** An event as it reaches a channel: from this instance's write, or through the fan-out. */
export interface DeliveredEvent extends SeqEvent {
  /** When the write that took its seq returned (epoch ms); absent for events read back from the log. */
  at?: number;
  /** Written by another instance. */
  remote?: boolean;
}

interface PendingEvent extends DeliveredEvent {
  replyTo?: ReplyTo;
}

const RECENT_EVENTS = 256;
const MAX_PENDING = 10_000;
/** How long an out-of-order event waits for the missing ones before we read them from the log. */
const GAP_REPAIR_MS = 150;
/** How long a failed fresh welcome of a new epoch (Redis not back yet) waits before it is tried again. */
const REWELCOME_RETRY_MS = 500;
/** A seat's `sinceSeq` while its session waits for the welcome of a new epoch: no event passes it. */
const AWAITING_WELCOME = Number.MAX_SAFE_INTEGER;

/**
 * Sends `sessions` the room afresh (a `welcome` with `resumed: false`) when the room began a new
 * epoch, from one read of the room, and answers that read's seq and epoch and the sessions it was
 * sent to. `released` is the last seq the channel released meanwhile: the read must not be older
 * than it. It leaves the seats' `sinceSeq` alone: the channel sets it when it joins them.
 */
export type EpochWelcome = (
  roomId: string,
  sessions: ClientSession[],
  released: () => number | undefined,
) => Promise<{ seq: number; epoch: string; welcomed: ClientSession[] }>;

/**
 * The local clients of one room and the order they see its events in.
 *
 * Events reach an instance from its own writes (at once) and from other instances (through the
 * fan-out, possibly late, twice, or out of order). A channel releases them strictly in `seq`
 * order, drops duplicates, and when a gap does not fill by itself it reads the missing events from
 * the room's log. Each event is encoded once per codec in use in the room, and the same bytes go to
 * every socket of that codec (codec/event-frames.ts).
 *
 * Seqs count within an epoch (state/room-state.port.ts). An event of an epoch the channel has not
 * seen means the room's state was lost and began again, its seqs from 0: the channel forgets the
 * old order (a gap it waited on will never fill), holds the new epoch's events back, sends each
 * of its clients the room afresh, then releases the held events after that welcome's seq. Late
 * events of an epoch it left behind are dropped.
 */
class RoomChannel {
  /** Last seq released to clients; undefined until the first local welcome anchors it. */
  lastSeq: number | undefined;
  /** The epoch of `lastSeq`, and those left behind. */
  epoch: string | undefined;
  private readonly retired = new Set<string>();
  /** Sessions waiting for the fresh welcome of the current epoch. */
  private readonly awaiting = new Set<ClientSession>();
  private rewelcoming = false;
  readonly sessions = new Set<ClientSession>();
  /** Sessions between their enter and their welcome: they keep the channel alive. */
  joining = 0;
  private readonly pending = new Map<number, PendingEvent>();
  /**
   * Our own writes whose requesters were waiting for a welcome that turned out to cover them (the
   * anchor dropped them from `pending`): each is still the answer to a request, sent to its
   * requester when it joins, after that welcome.
   */
  private covered: PendingEvent[] = [];
  private readonly recent: PendingEvent[] = [];
  private gapTimer?: NodeJS.Timeout;
  private resyncOnAnchor = false;
  private disposed = false;
  /** This turn's released events, shared by the sessions that take batches (event-batch.ts). */
  private turn?: RoomTurn;

  constructor(
    readonly roomId: string,
    private readonly repair: (roomId: string, afterSeq: number, epoch?: string) => Promise<SeqEvent[] | null>,
    private readonly rewelcome: () => EpochWelcome | undefined,
    private readonly log: Logger,
  ) {}

  accept(ev: PendingEvent): void {
    if (ev.epoch !== undefined && ev.epoch !== this.epoch) {
      if (this.retired.has(ev.epoch)) return; // late, from an epoch this room left behind
      if (this.epoch !== undefined) this.beginEpoch(ev.epoch);
    }
    if (this.lastSeq !== undefined && ev.seq <= this.lastSeq) {
      // Our own write, already released from the room log (a catch-up read got to it before the
      // publish did): its requester saw the event without its request id, so answer it now.
      if (ev.replyTo) this.answerLate(ev, ev.replyTo);
      return;
    }
    if (this.pending.size >= MAX_PENDING) this.pending.clear();
    const known = this.pending.get(ev.seq);
    if (!known || (!known.replyTo && ev.replyTo)) this.pending.set(ev.seq, ev);
    this.drain();
  }

  anchor(seq: number, epoch: string): void {
    if (this.lastSeq !== undefined) return;
    this.lastSeq = seq;
    this.epoch = epoch;
    for (const [s, e] of this.pending) {
      const sameEpoch = e.epoch === undefined || e.epoch === epoch;
      if (s > seq && sameEpoch) continue;
      this.pending.delete(s);
      if (sameEpoch && e.replyTo) this.covered.push(e);
    }
    this.drain();
    if (this.resyncOnAnchor) {
      this.resyncOnAnchor = false;
      void this.catchUp();
    }
  }

  /** Events may have been missed with no later event to reveal the gap: read the room log. */
  resync(): void {
    if (this.lastSeq === undefined) this.resyncOnAnchor = true;
    else void this.catchUp();
  }

  /**
   * A session's welcome was read in `epoch`: a new one begins the epoch here (its state was lost
   * and this enter was the first to notice); one this room left behind is made good with a fresh
   * welcome. True when the session is in step with the channel.
   */
  welcomedIn(session: ClientSession, epoch: string): boolean {
    if (this.epoch === undefined || epoch === this.epoch) return true;
    if (!this.retired.has(epoch)) {
      this.beginEpoch(epoch);
      return true;
    }
    this.sessions.add(session);
    this.awaitWelcome(session);
    this.startRewelcome();
    return false;
  }

  /** Adds a session whose welcome was taken at `sinceSeq`, and sends what it missed since. */
  join(session: ClientSession, sinceSeq: number): void {
    this.sessions.add(session);
    this.awaiting.delete(session);
    this.answerCovered(session);
    if (this.lastSeq === undefined || this.lastSeq <= sinceSeq) return;
    const missed = this.recent.filter((e) => e.seq > sinceSeq);
    if (missed.length && missed[0].seq !== sinceSeq + 1) {
      this.log.warn(
        { room: this.roomId, sinceSeq, oldest: missed[0].seq },
        'joiner missed events older than the recent buffer',
      );
    }
    for (const e of missed) this.sendTo(session, e);
  }

  get idle(): boolean {
    return this.sessions.size === 0 && this.joining === 0;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.gapTimer);
  }

  seen(epoch: string): void {
    if (this.epoch !== undefined && epoch !== this.epoch && !this.retired.has(epoch)) this.beginEpoch(epoch);
  }

  forget(session: ClientSession): void {
    this.sessions.delete(session);
    this.awaiting.delete(session);
    if (this.covered.length) this.covered = this.covered.filter((e) => e.replyTo!.sessionId !== session.id);
  }

  /** The room's state was lost and began again under `epoch`: start its order afresh (see the class comment). */
  private beginEpoch(epoch: string): void {
    this.log.warn(
      { room: this.roomId, from: this.epoch, to: epoch, lastSeq: this.lastSeq },
      "the room's live state began a new epoch: sending its clients the room afresh",
    );
    if (this.epoch !== undefined) this.retired.add(this.epoch);
    this.epoch = epoch;
    this.lastSeq = undefined;
    for (const [s, e] of this.pending) if (e.epoch !== epoch) this.pending.delete(s);
    this.covered = [];
    this.recent.length = 0;
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.resyncOnAnchor = false;
    for (const s of this.sessions) this.awaitWelcome(s);
    if (this.awaiting.size > 0) this.startRewelcome();
  }

  private awaitWelcome(session: ClientSession): void {
    // Nothing reaches the session until its fresh welcome says from which seq on.
    if (session.seat) session.seat.sinceSeq = AWAITING_WELCOME;
    this.awaiting.add(session);
  }

  private startRewelcome(): void {
    if (this.rewelcoming || this.disposed) return;
    const send = this.rewelcome();
    if (!send) return;
    this.rewelcoming = true;
    void this.runRewelcome(send);
  }

  private async runRewelcome(send: EpochWelcome): Promise<void> {
    while (this.awaiting.size > 0 && !this.disposed) {
      const sessions = [...this.awaiting];
      this.awaiting.clear();
      let read: Awaited<ReturnType<EpochWelcome>>;
      try {
        read = await send(this.roomId, sessions, () => this.lastSeq);
      } catch (err) {
        this.log.warn({ err, room: this.roomId }, 'could not send the room afresh in its new epoch; retrying');
        for (const s of sessions) if (this.sessions.has(s)) this.awaiting.add(s);
        await new Promise((r) => setTimeout(r, REWELCOME_RETRY_MS));
        continue;
      }
      if (read.epoch !== this.epoch) {
        // Lost again meanwhile (or read before the epoch we switched to): the next round reads anew.
        if (!this.retired.has(read.epoch)) this.beginEpoch(read.epoch);
        for (const s of sessions) if (this.sessions.has(s)) this.awaiting.add(s);
        continue;
      }
      // Until here the welcomed sessions still wait (sinceSeq AWAITING_WELCOME), so the events the
      // anchor releases pass them by; join then sends each one the events after its welcome once.
      this.anchor(read.seq, read.epoch);
      for (const s of read.welcomed) {
        if (!this.sessions.has(s) || !s.seat) continue;
        s.seat.sinceSeq = read.seq;
        this.join(s, read.seq);
      }
    }
    this.rewelcoming = false;
  }

  private async catchUp(): Promise<void> {
    try {
      const events = await this.repair(this.roomId, this.lastSeq!, this.epoch);
      // null: the log no longer reaches back; the next event's gap repair skips ahead.
      if (events && !this.disposed) for (const e of events) this.accept(e);
    } catch (err) {
      this.log.warn({ err, room: this.roomId }, 'catching up from the room log failed');
    }
  }

  private drain(): void {
    if (this.lastSeq === undefined) return;
    for (let next = this.pending.get(this.lastSeq + 1); next; next = this.pending.get(this.lastSeq + 1)) {
      this.pending.delete(next.seq);
      this.lastSeq = next.seq;
      this.release(next);
    }
    if (this.pending.size > 0 && !this.gapTimer && !this.disposed) {
      this.gapTimer = setTimeout(() => void this.repairGap(), GAP_REPAIR_MS);
    }
  }

  private async repairGap(): Promise<void> {
    const from = this.lastSeq;
    const epoch = this.epoch;
    try {
      if (from === undefined || this.pending.size === 0) return;
      const events = await this.repair(this.roomId, from, epoch);
      // The room began another epoch while we read (Redis lost its state under the repair): the
      // gap was in the order left behind, and skipping ahead now would anchor the new epoch's
      // order without its welcome. The new epoch's own welcome anchors it.
      if (this.epoch !== epoch || this.lastSeq === undefined) return;
      // Events may also have come in order meanwhile and filled the gap.
      if (this.pending.size === 0) return;
      if (events === null) {
        // The log no longer reaches back: skip to what we have; clients see the gap and may resume.
        const oldest = Math.min(...this.pending.keys());
        this.log.warn({ room: this.roomId, from, to: oldest - 1 }, 'events lost beyond the room log; skipping');
        this.lastSeq = Math.max(this.lastSeq, oldest - 1);
      } else {
        for (const e of events) if (e.seq > this.lastSeq && !this.pending.has(e.seq)) this.pending.set(e.seq, e);
      }
    } catch (err) {
      this.log.warn({ err, room: this.roomId }, 'gap repair failed; will retry');
    } finally {
      this.gapTimer = undefined;
      this.drain();
    }
  }

  private release(ev: PendingEvent): void {
    this.recent.push(ev);
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
    const frames = new EventFrames(ev.json, this.sessions.size > 1);
    let turn: RoomTurn | undefined;
    for (const s of this.sessions) {
      if (s.batched && !turn) {
        turn = this.currentTurn();
        turn.add(ev.json);
      }
      this.sendTo(s, ev, frames, turn);
    }
    if (ev.at !== undefined && this.sessions.size > 0) {
      eventDelivery.observe({ source: ev.remote ? 'remote' : 'local' }, Math.max(0, Date.now() - ev.at) / 1000);
    }
  }

  /**
   * The session's requests whose events its welcome already holds: answered now, after that
   * welcome, as a lagging socket's held replies are (client-session.ts); a client applies nothing
   * at or below its welcome's seq, and its request does not wait forever.
   */
  private answerCovered(session: ClientSession): void {
    if (this.covered.length === 0) return;
    const mine = this.covered.filter((e) => e.replyTo!.sessionId === session.id);
    if (mine.length === 0) return;
    this.covered = this.covered.filter((e) => e.replyTo!.sessionId !== session.id);
    for (const e of mine) session.sendReply(`{"id":${JSON.stringify(e.replyTo!.requestId)},${e.json.slice(1)}`, e.seq);
  }

  private answerLate(ev: PendingEvent, replyTo: ReplyTo): void {
    for (const s of this.sessions) {
      if (s.id === replyTo.sessionId && s.seat && ev.seq > s.seat.sinceSeq) {
        s.sendReply(`{"id":${JSON.stringify(replyTo.requestId)},${ev.json.slice(1)}`, ev.seq);
      }
    }
  }

  private sendTo(
    session: ClientSession,
    ev: PendingEvent,
    frames = new EventFrames(ev.json, false),
    turn?: RoomTurn,
  ): void {
    if (!session.seat || ev.seq <= session.seat.sinceSeq) return;
    if (ev.replyTo && ev.replyTo.sessionId === session.id) {
      const reply = `{"id":${JSON.stringify(ev.replyTo.requestId)},${ev.json.slice(1)}`;
      session.sendReply(reply, ev.seq);
    } else {
      session.sendEvent(frames, turn);
    }
  }

  /** The room's events of this turn for its batch sessions, begun afresh each turn. */
  private currentTurn(): RoomTurn {
    const tick = currentTick();
    if (this.turn?.tick !== tick) this.turn = new RoomTurn(tick);
    return this.turn;
  }
}

@Injectable()
export class RoomChannels implements OnModuleDestroy {
  private readonly channels = new Map<string, RoomChannel>();
  private readonly watchers: { watch: (roomId: string) => void; unwatch: (roomId: string) => void }[] = [];
  private epochWelcome?: EpochWelcome;
  private readonly stopCounting = countRoomsWith(() => this.counts());

  constructor(
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onModuleDestroy(): void {
    this.stopCounting();
  }

  /** Who sends a room's clients the room afresh when it began a new epoch (lagging-welcome.ts). */
  onNewEpoch(send: EpochWelcome): void {
    this.epochWelcome = send;
  }

  onRoomWatched(watch: (roomId: string) => void, unwatch: (roomId: string) => void): void {
    this.watchers.push({ watch, unwatch });
  }

  /** Before an enter: keeps the channel (and its subscription) alive until `join` or `abandon`. */
  beginJoin(roomId: string): void {
    let ch = this.channels.get(roomId);
    if (!ch) {
      ch = new RoomChannel(
        roomId,
        (r, after, epoch) => this.state.eventsSince(r, after, epoch),
        () => this.epochWelcome,
        this.log,
      );
      this.channels.set(roomId, ch);
      for (const w of this.watchers) w.watch(roomId);
    }
    ch.joining++;
  }

  join(session: ClientSession, roomId: string, welcomeSeq: number, epoch: string): void {
    const ch = this.channels.get(roomId);
    if (!ch) throw new Error(`join without beginJoin for room ${roomId}`);
    ch.joining--;
    if (!ch.welcomedIn(session, epoch)) return;
    ch.anchor(welcomeSeq, epoch);
    ch.join(session, welcomeSeq);
  }

  /** A session that was sent the room afresh at `seq` (it lagged): the events after it that went by meanwhile. */
  rejoin(session: ClientSession, roomId: string, seq: number, epoch: string): void {
    const ch = this.channels.get(roomId);
    if (!ch?.welcomedIn(session, epoch)) return;
    ch.anchor(seq, epoch);
    ch.join(session, seq);
  }

  abandon(roomId: string): void {
    const ch = this.channels.get(roomId);
    if (!ch) return;
    ch.joining--;
    this.disposeIfIdle(ch);
  }

  leave(session: ClientSession, roomId: string): void {
    const ch = this.channels.get(roomId);
    if (!ch) return;
    ch.forget(session);
    this.disposeIfIdle(ch);
  }

  /** An event of `roomId`, from this instance or another; ignored when nobody here watches the room. */
  deliver(roomId: string, event: DeliveredEvent, replyTo?: ReplyTo): void {
    this.channels.get(roomId)?.accept(replyTo ? { ...event, replyTo } : event);
  }

  /** The room's state is in `epoch` now (it was rebuilt): a channel still in an older one begins it. */
  epochSeen(roomId: string, epoch: string): void {
    this.channels.get(roomId)?.seen(epoch);
  }

  /** The fan-out may have missed events of `roomId` (its subscription just started): catch up from the log. */
  resync(roomId: string): void {
    this.channels.get(roomId)?.resync();
  }

  /** Read at each scrape of /metrics: walking the local sessions costs less than keeping counts in step. */
  private counts(): RoomCounts {
    const c: RoomCounts = { rooms: 0, players: 0, spectators: 0 };
    for (const ch of this.channels.values()) {
      if (ch.sessions.size > 0) c.rooms++;
      for (const s of ch.sessions) {
        if (s.seat?.role === 'player') c.players++;
        else if (s.seat?.role === 'spectator') c.spectators++;
      }
    }
    return c;
  }

  private disposeIfIdle(ch: RoomChannel): void {
    if (!ch.idle) return;
    ch.dispose();
    this.channels.delete(ch.roomId);
    for (const w of this.watchers) w.unwatch(ch.roomId);
  }
}
