import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../logging/logger';
import { eventStreamName, partitionOf } from './stream-partitions';

/** A partition nobody here needs any more is read a little longer, so a room that comes right back does not churn consumers. */
const PARTITION_LINGER_MS = 5000;

interface PartitionConsumer {
  tag?: string;
  starting: boolean;
  linger?: NodeJS.Timeout;
}

/** What the readers need of the fan-out's connection. */
export interface PartitionReaderHost {
  /** The consuming channel while connected, else undefined. */
  channel(): Channel | undefined;
  /** A delivery (or null: the broker cancelled the consumer) of partition `p` on `ch`. */
  deliver(p: number, ch: Channel, msg: ConsumeMessage | null): void;
  /** A subscription just started: events of these rooms published before it were not delivered. */
  subscribed(roomIds: Iterable<string>): void;
  /** Acknowledge what was read before a consumer is cancelled. */
  flushAcks(): void;
}

/**
 * Which event partitions this instance reads: those holding rooms it has local clients in. One
 * consumer per partition, started when its first room is watched, cancelled a little after its
 * last room is unwatched, and started again on every new connection.
 */
export class PartitionReaders {
  private readonly rooms = new Map<number, Set<string>>();
  private readonly consumers = new Map<number, PartitionConsumer>();

  constructor(
    private readonly prefix: string,
    private readonly partitions: number,
    private readonly host: PartitionReaderHost,
    private readonly log: Logger,
  ) {}

  watch(roomId: string): void {
    const p = partitionOf(roomId, this.partitions);
    let set = this.rooms.get(p);
    if (!set) this.rooms.set(p, (set = new Set()));
    set.add(roomId);
    this.reconcile(p);
  }

  unwatch(roomId: string): void {
    const p = partitionOf(roomId, this.partitions);
    const set = this.rooms.get(p);
    if (!set) return;
    set.delete(roomId);
    if (set.size === 0) this.rooms.delete(p);
    this.reconcile(p);
  }

  watches(p: number, roomId: string): boolean {
    return this.rooms.get(p)?.has(roomId) ?? false;
  }

  /** Partitions with a running consumer (for tests and metrics). */
  active(): number[] {
    return [...this.consumers]
      .filter(([, c]) => c.tag !== undefined)
      .map(([p]) => p)
      .sort((a, b) => a - b);
  }

  /** The broker cancelled partition `p`'s consumer (its stream was deleted): subscribe again shortly if still needed. */
  cancelled(p: number): void {
    const c = this.consumers.get(p);
    if (c) c.tag = undefined;
    this.log.warn({ partition: p }, 'partition subscription cancelled by the broker');
    setTimeout(() => this.reconcile(p), 1000).unref();
  }

  /** The connection went away: every consumer went with it. */
  disconnected(): void {
    for (const c of this.consumers.values()) {
      c.tag = undefined;
      c.starting = false;
    }
  }

  /** A new connection: subscribe again to every partition still needed. */
  connected(): void {
    this.disconnected();
    for (const p of new Set([...this.consumers.keys(), ...this.rooms.keys()])) this.reconcile(p);
  }

  close(): void {
    for (const c of this.consumers.values()) clearTimeout(c.linger);
  }

  /** Brings partition `p`'s consumer in line with whether any local room needs it. */
  private reconcile(p: number): void {
    const wanted = (this.rooms.get(p)?.size ?? 0) > 0;
    let c = this.consumers.get(p);
    const ch = this.host.channel();
    if (wanted) {
      if (!c) this.consumers.set(p, (c = { starting: false }));
      clearTimeout(c.linger);
      c.linger = undefined;
      if (!c.tag && !c.starting && ch) this.start(p, c, ch);
    } else if (c && !c.linger) {
      c.linger = setTimeout(() => {
        c!.linger = undefined;
        if ((this.rooms.get(p)?.size ?? 0) === 0) this.stop(p, c!);
      }, PARTITION_LINGER_MS);
      c.linger.unref();
    }
  }

  private start(p: number, c: PartitionConsumer, ch: Channel): void {
    c.starting = true;
    const stream = eventStreamName(this.prefix, p);
    ch.consume(stream, (msg) => this.host.deliver(p, ch, msg), {
      noAck: false,
      arguments: { 'x-stream-offset': 'next' },
    })
      .then(({ consumerTag }) => {
        c.starting = false;
        if (ch !== this.host.channel()) return; // the connection was replaced meanwhile
        c.tag = consumerTag;
        this.log.debug({ stream }, 'reading partition');
        // Anything published between the room's subscription request and now was not delivered.
        this.host.subscribed(this.rooms.get(p) ?? []);
        this.reconcile(p);
      })
      .catch((err: unknown) => {
        c.starting = false;
        // The channel is closing with it; the reconnect re-subscribes.
        this.log.warn({ err, stream }, 'could not subscribe to a partition');
      });
  }

  private stop(p: number, c: PartitionConsumer): void {
    const tag = c.tag;
    this.consumers.delete(p);
    const ch = this.host.channel();
    if (!tag || !ch) return;
    this.host.flushAcks();
    ch.cancel(tag).catch((err: unknown) => this.log.debug({ err, partition: p }, 'cancel failed'));
  }
}
