import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { fanoutUnread } from '../common/metrics';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { EVENT_FANOUT, type EventFanout, type FanoutEvent } from '../fanout/fanout.port';
import { LOGGER, type Logger } from '../logging/logger';
import { UnavailableError } from '../protocol/errors';
import { READER_TTL_MS, ROOM_STATE, type RoomStateStore, type SeqEvent } from '../state/room-state.port';
import { ATTR, consumerSpan, producerSpan, tracingActive } from '../tracing/tracing';
import { TimelineRecorder } from './history/timeline-recorder';
import { type ReplyTo, RoomChannels } from './room-channels';

/**
 * Where room events go once the room state has logged them: to this instance's sockets at once
 * (RoomChannels), and to the other instances through the fan-out; and what comes back from them.
 * Rooms, notices and kicks all publish through here, and so the replay timeline keeps each event
 * from here: the instance that took its seq writes it, once (history/timeline-recorder.ts).
 *
 * Readers: while this instance has local clients in a room it keeps a mark in the room state
 * (markReader), set before the room's first enter here and renewed every third of its lifetime.
 * An event written while no other instance holds a live mark comes back `localOnly` and is not
 * published: with room affinity at the gateway most rooms live on one instance, and their events
 * then cost the broker, and every other instance's consumer, nothing. Should a mark of ours lapse
 * (a stall longer than its lifetime, Redis restarted), other instances may have skipped events we
 * needed; the renewal that finds it lapsed reads the room log, as a late subscription does.
 */
@Injectable()
export class RoomEvents implements OnModuleInit, OnModuleDestroy {
  /** Rooms this instance has local clients in (its reader marks). */
  private readonly readRooms = new Set<string>();
  private renewTimer?: NodeJS.Timeout;
  /** RABBITMQ_PUBLISH_UNREAD: publish even what no other instance reads (a rolling upgrade from older releases). */
  private readonly publishUnread: boolean;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_FANOUT) private readonly fanout: EventFanout,
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly channels: RoomChannels,
    private readonly timeline: TimelineRecorder,
  ) {
    this.publishUnread = config.mode === 'services' && config.streams.publishUnread;
  }

  onModuleInit(): void {
    this.fanout.onEvent((e) => {
      if (e.origin === this.config.instanceId) return;
      // Only events of a sampled write carry a context: the others are delivered as they come.
      if (e.trace === undefined) this.deliverRemote(e);
      else
        consumerSpan('fanout deliver', e.trace, { [ATTR.room]: e.roomId, [ATTR.seq]: e.seq }, () =>
          this.deliverRemote(e),
        );
    });
    this.fanout.onResync?.((r) => this.channels.resync(r));
    this.channels.onRoomWatched(
      (r) => {
        // The mark first: it must reach Redis before the enter that opened the channel.
        this.readRooms.add(r);
        this.markReader(r, false);
        this.fanout.watchRoom(r);
      },
      (r) => {
        this.readRooms.delete(r);
        this.state
          .dropReader(r)
          .catch((err: unknown) => this.log.warn({ err, room: r }, 'could not drop a reader mark'));
        this.fanout.unwatchRoom(r);
      },
    );
    this.renewTimer = setInterval(() => this.markReadRooms(true), READER_TTL_MS / 3);
    this.renewTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.renewTimer);
  }

  /**
   * Renews the reader marks of every room this instance has clients in. `catchUp`: a room whose
   * mark had lapsed reads its log for what other instances kept off the broker meanwhile. Without
   * it (the live state was lost and the rooms are about to be entered again, which sends them
   * afresh), the marks only need to be in place before those enters.
   */
  markReadRooms(catchUp: boolean): void {
    for (const r of this.readRooms) this.markReader(r, catchUp);
  }

  /** Sets or renews this instance's reader mark of a room; with `catchUp`, one found lapsed reads the room log. */
  private markReader(roomId: string, catchUp: boolean): void {
    this.state.markReader(roomId).then(
      (lapsed) => {
        if (!lapsed || !catchUp || !this.readRooms.has(roomId)) return;
        this.log.warn({ room: roomId }, 'reader mark had lapsed; reading the room log for events other instances kept');
        this.channels.resync(roomId);
      },
      (err: unknown) => this.log.warn({ err, room: roomId }, 'could not mark this instance as a reader of the room'),
    );
  }

  /** Delivers an event the room state just logged: to local clients at once, to other instances through the fan-out. */
  publish(roomId: string, event: SeqEvent, replyTo?: ReplyTo): void {
    // Callers publish right after their write (and its lock's release): latency metrics count from here.
    const at = Date.now();
    // Named fields, not a spread: the write's `localOnly` goes no further than this method.
    this.channels.deliver(roomId, { seq: event.seq, json: event.json, epoch: event.epoch, at }, replyTo);
    // No other instance read the room as the event was written: it stays off the broker.
    if (event.localOnly && !this.publishUnread) fanoutUnread.inc();
    else this.toOtherInstances(roomId, event, at);
    // Buffered and written later in batches: never a wait, nor a failure, of the write above.
    this.timeline.record(roomId, event, at);
  }

  private toOtherInstances(roomId: string, event: SeqEvent, at: number): void {
    // The event is already in the room log; an instance that misses this publish repairs from it.
    // Across instances it travels as the JSON the room state wrote (src/codec, "one form"): that
    // text exists anyway (the log holds it, and JSON sockets get it as is), so sending it costs no
    // encoding; each instance makes MessagePack of it only for rooms where such sockets are, once
    // per event. Carrying MessagePack instead would cost an encode on every write and a decode
    // back to JSON on every instance with JSON sockets, for a few bytes less on the broker.
    // Traced from here to the broker's confirm; its context rides with the event.
    const span = tracingActive()
      ? producerSpan('fanout publish', { [ATTR.room]: roomId, [ATTR.seq]: event.seq })
      : undefined;
    this.fanout
      .publish({ roomId, seq: event.seq, json: event.json, epoch: event.epoch, at, trace: span?.traceparent })
      .then(
        () => span?.end(),
        (err: unknown) => {
          span?.end(err);
          this.log.warn({ err, room: roomId, seq: event.seq }, 'fan-out publish failed');
        },
      );
  }

  private deliverRemote(e: FanoutEvent): void {
    this.channels.deliver(e.roomId, { seq: e.seq, json: e.json, epoch: e.epoch, at: e.at, remote: true });
  }

  /** Refuses a write up front while the broker is away, so nothing is written that other instances would miss. */
  requireFanout(): void {
    if (!this.fanout.isHealthy()) throw new UnavailableError('the message broker is unavailable; nothing was changed');
  }
}
