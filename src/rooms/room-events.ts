import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { EVENT_FANOUT, type EventFanout, type FanoutEvent } from '../fanout/fanout.port';
import { LOGGER, type Logger } from '../logging/logger';
import { UnavailableError } from '../protocol/errors';
import type { SeqEvent } from '../state/room-state.port';
import { ATTR, consumerSpan, producerSpan, tracingActive } from '../tracing/tracing';
import { TimelineRecorder } from './history/timeline-recorder';
import { type ReplyTo, RoomChannels } from './room-channels';

/**
 * Where room events go once the room state has logged them: to this instance's sockets at once
 * (RoomChannels), and to the other instances through the fan-out; and what comes back from them.
 * Rooms, notices and kicks all publish through here, and so the replay timeline keeps each event
 * from here: the instance that took its seq writes it, once (history/timeline-recorder.ts).
 */
@Injectable()
export class RoomEvents implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_FANOUT) private readonly fanout: EventFanout,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly channels: RoomChannels,
    private readonly timeline: TimelineRecorder,
  ) {}

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
      (r) => this.fanout.watchRoom(r),
      (r) => this.fanout.unwatchRoom(r),
    );
  }

  /** Delivers an event the room state just logged: to local clients at once, to other instances through the fan-out. */
  publish(roomId: string, event: SeqEvent, replyTo?: ReplyTo): void {
    // Callers publish right after their write (and its lock's release): latency metrics count from here.
    const at = Date.now();
    this.channels.deliver(roomId, { ...event, at }, replyTo);
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
    // Buffered and written later in batches: never a wait, nor a failure, of the write above.
    this.timeline.record(roomId, event, at);
  }

  private deliverRemote(e: FanoutEvent): void {
    this.channels.deliver(e.roomId, { seq: e.seq, json: e.json, epoch: e.epoch, at: e.at, remote: true });
  }

  /** Refuses a write up front while the broker is away, so nothing is written that other instances would miss. */
  requireFanout(): void {
    if (!this.fanout.isHealthy()) throw new UnavailableError('the message broker is unavailable; nothing was changed');
  }
}
