import * as amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { ServicesConfig } from '../config/config';
import { fanoutLag, fanoutLastLag } from '../common/metrics';
import type { Logger } from '../logging/logger';
import { UnavailableError } from '../protocol/errors';
import type { ControlMessage, EventFanout, FanoutEvent } from './fanout.port';
import { AckBatcher, backoff, brokerSocketOptions, fromPublish, waitAtMost, withHeartbeat } from './amqp-support';
import { openFanoutChannels } from './broker-topology';
import { attachTraces, decodeControlMessage, decodeStreamMessage } from './stream-messages';
import { PublishBatches } from './publish-batches';
import { PartitionReaders } from './partition-readers';
import { controlQueueName, eventStreamName, partitionOf } from './stream-partitions';

/** The validated `streams` section of the configuration, plus where and who we are. */
export type RabbitFanoutOptions = ServicesConfig['streams'] & { url: string; instanceId: string };

/** Publishes awaiting their confirm beyond which we report unhealthy (requests answer UNAVAILABLE). */
const MAX_UNCONFIRMED = 50_000;
/** How long closing waits for the broker to confirm what was already published. */
const CLOSE_CONFIRMS_WAIT_MS = 2000;
/**
 * Fan-out over RabbitMQ streams (AMQP 0-9-1).
 *
 * Events: rooms are spread over `partitions` streams by a fixed hash of the room id. An instance
 * reads only the partitions holding rooms it has local clients in, so its intake grows with its
 * own rooms' traffic (plus the other rooms sharing those partitions), not with the whole cluster's.
 * Consumers start at offset `next`: history is of no use to us, because a receiver that missed
 * events (it subscribed late, or was disconnected) catches up from the Redis room log, which is
 * the source of truth for every room's order. That is why a (re)started subscription emits a
 * resync for its rooms: it closes the window between "subscribe" and "first event".
 * Streams deliver at least once and publishers interleave, so receivers order and deduplicate by
 * the room `seq` (rooms/room-channels.ts); nothing here relies on stream offsets.
 *
 * Control messages (replace a session) go to one instance only, so they use a small classic
 * queue per instance rather than a stream: with a shared control stream every instance would
 * read every other instance's control traffic, since streams cannot filter on the server. The
 * queue is durable with an expiry, so it survives a short reconnect of its owner and disappears
 * after the owner is gone; its messages expire once they are too old to matter.
 *
 * Publishing uses a confirm channel; each publish resolves when its confirm arrives (the broker
 * confirms in batches), so nothing waits for confirms one by one. Reconnects with backoff run by
 * themselves; while disconnected `isHealthy()` is false and publishes reject.
 */
export class RabbitStreamFanout implements EventFanout {
  private conn?: ChannelModel;
  private pub?: ConfirmChannel;
  private sub?: Channel;
  private acks?: AckBatcher;
  private connected = false;
  private blocked = false;
  private closing = false;
  private unconfirmed = 0;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private connecting?: Promise<void>;
  private readonly readers: PartitionReaders;
  private readonly batches: PublishBatches;
  private readonly eventHandlers: ((e: FanoutEvent) => void)[] = [];
  private readonly controlHandlers: ((m: ControlMessage) => void)[] = [];
  private readonly resyncHandlers: ((roomId: string) => void)[] = [];
  private readonly controlQueue: string;
  /** Delivery delay of the last event from another instance (see consumerLagMs). */
  private lastLagMs: number | null = null;

  constructor(
    private readonly opts: RabbitFanoutOptions,
    private readonly log: Logger,
  ) {
    this.controlQueue = controlQueueName(opts.prefix, opts.instanceId);
    this.batches = new PublishBatches(
      opts.instanceId,
      (q, body, at, headers) => this.send(q, body, at, headers),
      opts.batchMax,
      opts.batchLingerMs,
    );
    this.readers = new PartitionReaders(
      opts.prefix,
      opts.partitions,
      {
        channel: () => (this.connected ? this.sub : undefined),
        deliver: (p, ch, msg) => this.onDelivery(p, ch, msg),
        subscribed: (roomIds) => {
          for (const roomId of roomIds) for (const h of this.resyncHandlers) h(roomId);
        },
        flushAcks: () => this.acks?.flush(),
      },
      log,
    );
  }

  /** Starts connecting; resolves once connected or after `waitMs` (it keeps trying in the background). */
  async start(waitMs: number): Promise<void> {
    this.connectNow();
    await waitAtMost(this.connecting, waitMs);
  }

  // ---- EventFanout ----------------------------------------------------------------------------

  publish(event: Omit<FanoutEvent, 'origin'>): Promise<void> {
    // Refused at once while disconnected, as before batching: the caller learns it in this turn.
    if (!this.pub || !this.connected) return Promise.reject(new UnavailableError('the message broker is unavailable'));
    const stream = eventStreamName(this.opts.prefix, partitionOf(event.roomId, this.opts.partitions));
    // The write time rides in the AMQP timestamp property (in ms, not the usual seconds: only we
    // read it), not in a v1 head, so instances of an older release still parse single events.
    return this.batches.add(stream, event);
  }

  sendControl(message: ControlMessage): Promise<void> {
    return this.send(controlQueueName(this.opts.prefix, message.targetInstance), Buffer.from(JSON.stringify(message)));
  }

  watchRoom(roomId: string): void {
    this.readers.watch(roomId);
  }

  unwatchRoom(roomId: string): void {
    this.readers.unwatch(roomId);
  }

  onEvent(handler: (event: FanoutEvent) => void): void {
    this.eventHandlers.push(handler);
  }

  onControl(handler: (message: ControlMessage) => void): void {
    this.controlHandlers.push(handler);
  }

  onResync(handler: (roomId: string) => void): void {
    this.resyncHandlers.push(handler);
  }

  /** Measured with the publisher's clock: instances on different hosts add their clock skew. */
  consumerLagMs(): number | null {
    return this.lastLagMs;
  }

  isHealthy(): boolean {
    return this.connected && !this.blocked && this.unconfirmed < MAX_UNCONFIRMED;
  }

  /** Partitions this instance currently reads (for tests and metrics). */
  activePartitions(): number[] {
    return this.readers.active();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    this.batches.flush();
    // The last turns' events are on the wire: let the broker confirm them before the connection
    // goes, or their writers would hear "channel closed" (and log them lost) for stored events.
    const pub = this.pub;
    if (pub)
      await waitAtMost(
        pub.waitForConfirms().catch(() => undefined),
        CLOSE_CONFIRMS_WAIT_MS,
      );
    this.readers.close();
    const conn = this.conn;
    this.dropConnection();
    if (conn)
      await waitAtMost(
        conn.close().catch(() => undefined),
        2000,
      );
  }

  // ---- publishing -----------------------------------------------------------------------------

  private send(queue: string, body: Buffer, timestamp?: number, headers?: Record<string, unknown>): Promise<void> {
    const ch = this.pub;
    if (!ch || !this.connected) return Promise.reject(new UnavailableError('the message broker is unavailable'));
    return new Promise<void>((resolve, reject) => {
      this.unconfirmed++;
      let settled = false;
      const done = (err: unknown) => {
        if (settled) return;
        settled = true;
        this.unconfirmed--;
        if (err) reject(err);
        else resolve();
      };
      try {
        // Streams persist every message; the default exchange routes by queue name. A confirm that
        // fails (a nack, or the channel closed before confirming) means the broker did not take it.
        const options: amqp.Options.Publish = {};
        if (timestamp !== undefined) options.timestamp = timestamp;
        if (headers !== undefined) options.headers = headers;
        ch.sendToQueue(queue, body, options, (err) =>
          done(err ? new UnavailableError('the message broker did not take the message', { cause: err }) : null),
        );
      } catch (err) {
        done(fromPublish(err ?? new Error('publish failed')));
      }
    });
  }

  // ---- consuming ------------------------------------------------------------------------------

  private onDelivery(p: number, ch: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      this.readers.cancelled(p);
      return;
    }
    if (ch === this.sub) this.acks?.add(msg);
    const timestamp = typeof msg.properties.timestamp === 'number' ? msg.properties.timestamp : undefined;
    const events = decodeStreamMessage(msg.content, timestamp);
    if (!events || events.length === 0) {
      if (!events) this.log.warn({ partition: p }, 'dropping a malformed stream message');
      return;
    }
    attachTraces(events, msg.properties.headers);
    // Measured for every message read, the other rooms of the partition included: all of them are
    // this consumer's backlog. A batch counts once, from its oldest event (the message timestamp).
    if (timestamp !== undefined && events[0].origin !== this.opts.instanceId) {
      const lag = Math.max(0, Date.now() - timestamp) / 1000;
      fanoutLag.observe(lag);
      fanoutLastLag.set(lag);
      this.lastLagMs = lag * 1000;
    }
    for (const event of events) {
      if (!this.readers.watches(p, event.roomId)) continue;
      for (const h of this.eventHandlers) h(event);
    }
  }

  private onControlDelivery(ch: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // Our control queue was deleted under us: rebuild everything on a fresh connection.
      this.log.warn('control queue subscription cancelled by the broker; reconnecting');
      if (ch === this.sub) this.conn?.close().catch(() => undefined);
      return;
    }
    if (ch === this.sub) this.acks?.add(msg);
    const m = decodeControlMessage(msg.content);
    if (!m) return this.log.warn('dropping a malformed control message');
    for (const h of this.controlHandlers) h(m);
  }

  // ---- connection lifecycle -------------------------------------------------------------------

  private connectNow(): void {
    if (this.closing || this.connecting) return;
    this.connecting = this.connect()
      .then(() => {
        this.attempt = 0;
        this.log.info(
          { partitions: this.opts.partitions, prefix: this.opts.prefix },
          'connected to the message broker',
        );
      })
      .catch((err: unknown) => {
        this.attempt++;
        const delay = backoff(this.attempt);
        this.log.warn(
          { err: (err as Error).message, attempt: this.attempt, retryInMs: delay },
          'message broker unreachable',
        );
        this.scheduleReconnect(delay);
      })
      .finally(() => {
        this.connecting = undefined;
      });
  }

  private scheduleReconnect(delay: number): void {
    if (this.closing) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connectNow(), delay);
  }

  private async connect(): Promise<void> {
    const conn = await amqp.connect(withHeartbeat(this.opts.url), brokerSocketOptions(this.opts.instanceId));
    let closedDuringSetup = false;
    conn.on('close', () => {
      closedDuringSetup = true;
    });
    conn.on('error', (err: Error) => this.log.warn({ err: err.message }, 'message broker connection error'));
    conn.on('close', () => this.onConnectionClosed(conn));
    conn.on('blocked', (reason: string) => {
      this.blocked = true;
      this.log.warn({ reason }, 'message broker blocked publishing');
    });
    conn.on('unblocked', () => {
      this.blocked = false;
    });
    try {
      // A channel only closes on its own after an error: start over with a fresh connection.
      const { pub, sub } = await openFanoutChannels(conn, this.opts, this.controlQueue, this.log, () => {
        if (conn === this.conn) conn.close().catch(() => undefined);
      });
      await sub.consume(this.controlQueue, (msg) => this.onControlDelivery(sub, msg), { noAck: false });
      if (this.closing) throw new Error('closing');
      if (closedDuringSetup) throw new Error('the connection closed while it was being set up');
      this.conn = conn;
      this.pub = pub;
      this.sub = sub;
      this.acks = new AckBatcher(sub, this.log, this.opts.batchLingerMs);
      this.blocked = false;
      this.connected = true;
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
    this.readers.connected();
  }

  private onConnectionClosed(conn: ChannelModel): void {
    if (conn !== this.conn) return;
    this.dropConnection();
    if (this.closing) return;
    this.log.warn('lost the message broker connection; reconnecting');
    this.scheduleReconnect(backoff(1));
  }

  private dropConnection(): void {
    this.connected = false;
    this.conn = undefined;
    this.pub = undefined;
    this.sub = undefined;
    this.acks = undefined;
    this.readers.disconnected();
  }
}
