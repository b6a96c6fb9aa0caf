import { encodeStreamBatch, encodeStreamEvent, type StreamEvent, traceHeader } from './stream-messages';

type PendingEvent = Omit<StreamEvent, 'origin'>;

interface Batch {
  events: PendingEvent[];
  settle: { resolve: () => void; reject: (err: unknown) => void }[];
}

/** Sends one message body (and its AMQP headers) to a stream; resolves on the broker's confirm. */
export type SendMessage = (
  stream: string,
  body: Buffer,
  timestamp?: number,
  headers?: Record<string, unknown>,
) => Promise<void>;

/**
 * Gathers the events published to each partition stream and sends them as one message (one
 * confirm) per partition, at the end of the event-loop turn they were published in, or after
 * `lingerMs` when set, or as soon as `maxEvents` are waiting.
 *
 * Why: the broker's cost is per message (store, confirm, deliver to each consumer), not per byte,
 * and a busy instance publishes many events per turn (one batch of Redis replies resolves many
 * moves). Each event's promise settles with its message's confirm, so callers see no difference.
 * Order within a partition is kept (one message after another on one channel); receivers order by
 * `seq` anyway. With `maxEvents` 1 every event goes out alone in the v1 format.
 */
export class PublishBatches {
  private readonly pending = new Map<string, Batch>();
  private scheduled = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly origin: string,
    private readonly send: SendMessage,
    private readonly maxEvents: number,
    private readonly lingerMs: number,
  ) {}

  add(stream: string, event: PendingEvent): Promise<void> {
    if (this.maxEvents <= 1)
      return this.send(stream, encodeStreamEvent({ ...event, origin: this.origin }), event.at, traceHeader([event]));
    let batch = this.pending.get(stream);
    if (!batch) this.pending.set(stream, (batch = { events: [], settle: [] }));
    batch.events.push(event);
    const done = new Promise<void>((resolve, reject) => batch.settle.push({ resolve, reject }));
    if (batch.events.length >= this.maxEvents) this.flushStream(stream);
    else this.schedule();
    return done;
  }

  /** Sends everything waiting now (before closing, or from the timer). */
  flush(): void {
    this.scheduled = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const stream of [...this.pending.keys()]) this.flushStream(stream);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.lingerMs > 0) this.timer = setTimeout(() => this.flush(), this.lingerMs);
    else setImmediate(() => this.flush());
  }

  private flushStream(stream: string): void {
    const batch = this.pending.get(stream);
    if (!batch) return;
    this.pending.delete(stream);
    // The oldest write time rides in the AMQP timestamp; the others are offsets from it.
    let timestamp: number | undefined;
    for (const e of batch.events)
      if (e.at !== undefined && (timestamp === undefined || e.at < timestamp)) timestamp = e.at;
    const body =
      batch.events.length === 1
        ? encodeStreamEvent({ ...batch.events[0], origin: this.origin })
        : encodeStreamBatch(this.origin, batch.events, timestamp);
    this.send(stream, body, timestamp, traceHeader(batch.events)).then(
      () => {
        for (const s of batch.settle) s.resolve();
      },
      (err: unknown) => {
        for (const s of batch.settle) s.reject(err);
      },
    );
  }
}
