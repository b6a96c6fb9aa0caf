import * as amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { ServicesConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import { UnavailableError } from '../protocol/errors';
import type { ControlMessage, EventFanout, FanoutEvent } from './fanout.port';
import { AckBatcher, backoff, declareStreams, withHeartbeat } from './amqp-support';
import { allEventStreams, controlQueueName, eventStreamName, partitionOf } from './stream-partitions';

/** The validated `streams` section of the configuration, plus where and who we are. */
export type RabbitFanoutOptions = ServicesConfig['streams'] & { url: string; instanceId: string };

/** Publishes awaiting their confirm beyond which we report unhealthy (requests answer UNAVAILABLE). */
const MAX_UNCONFIRMED = 50_000;
/** A partition nobody here needs any more is read a little longer, so a room that comes right back does not churn consumers. */
const PARTITION_LINGER_MS = 5000;
/** Control messages are only useful while the session they name may still be open. */
const CONTROL_TTL_MS = 30_000;
/** A control queue outlives a short disconnect of its instance, then goes away on its own. */
const CONTROL_QUEUE_EXPIRES_MS = 60_000;
/** Epoch milliseconds of an event's publish, for the consumer lag figure of GET /api/instances. */
const SENT_AT_HEADER = 'x-sent-at';

interface PartitionConsumer {
  tag?: string;
  starting: boolean;
  linger?: NodeJS.Timeout;
}

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
  private readonly rooms = new Map<number, Set<string>>();
  private readonly consumers = new Map<number, PartitionConsumer>();
  private readonly eventHandlers: ((e: FanoutEvent) => void)[] = [];
  private readonly controlHandlers: ((m: ControlMessage) => void)[] = [];
  private readonly resyncHandlers: ((roomId: string) => void)[] = [];
  private readonly controlQueue: string;
  /** Delivery delay of the last event from another instance (see consumerLagMs). */
  private lastLagMs: number | null = null;

  constructor(private readonly opts: RabbitFanoutOptions, private readonly log: Logger) {
    this.controlQueue = controlQueueName(opts.prefix, opts.instanceId);
  }

  /** Starts connecting; resolves once connected or after `waitMs` (it keeps trying in the background). */
  async start(waitMs: number): Promise<void> {
    this.connectNow();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.connecting, new Promise((r) => { timer = setTimeout(r, waitMs); })]);
    clearTimeout(timer);
  }

  // ---- EventFanout ----------------------------------------------------------------------------

  publish(event: Omit<FanoutEvent, 'origin'>): Promise<void> {
    const head = JSON.stringify([this.opts.instanceId, event.roomId, event.seq]);
    const stream = eventStreamName(this.opts.prefix, partitionOf(event.roomId, this.opts.partitions));
    return this.send(stream, Buffer.from(`${head}\n${event.json}`), { [SENT_AT_HEADER]: Date.now() });
  }

  sendControl(message: ControlMessage): Promise<void> {
    return this.send(controlQueueName(this.opts.prefix, message.targetInstance), Buffer.from(JSON.stringify(message)));
  }

  watchRoom(roomId: string): void {
    const p = partitionOf(roomId, this.opts.partitions);
    let set = this.rooms.get(p);
    if (!set) this.rooms.set(p, (set = new Set()));
    set.add(roomId);
    this.reconcile(p);
  }

  unwatchRoom(roomId: string): void {
    const p = partitionOf(roomId, this.opts.partitions);
    const set = this.rooms.get(p);
    if (!set) return;
    set.delete(roomId);
    if (set.size === 0) this.rooms.delete(p);
    this.reconcile(p);
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
    return [...this.consumers].filter(([, c]) => c.tag !== undefined).map(([p]) => p).sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    for (const c of this.consumers.values()) clearTimeout(c.linger);
    const conn = this.conn;
    this.dropConnection();
    if (conn) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([conn.close().catch(() => undefined), new Promise((r) => { timer = setTimeout(r, 2000); })]);
      clearTimeout(timer);
    }
  }

  // ---- publishing -----------------------------------------------------------------------------

  private send(queue: string, body: Buffer, headers?: Record<string, number>): Promise<void> {
    const ch = this.pub;
    if (!ch || !this.connected) return Promise.reject(new UnavailableError('the message broker is unavailable'));
    return new Promise<void>((resolve, reject) => {
      this.unconfirmed++;
      let settled = false;
      const done = (err: unknown) => {
        if (settled) return;
        settled = true;
        this.unconfirmed--;
        if (err) reject(err instanceof Error ? err : new UnavailableError(`the broker refused the message: ${String(err)}`));
        else resolve();
      };
      try {
        // Streams persist every message; the default exchange routes by queue name.
        ch.sendToQueue(queue, body, headers ? { headers } : {}, (err) => done(err));
      } catch (err) {
        done(err ?? new Error('publish failed'));
      }
    });
  }

  // ---- consuming ------------------------------------------------------------------------------

  /** Brings partition `p`'s consumer in line with whether any local room needs it. */
  private reconcile(p: number): void {
    const wanted = (this.rooms.get(p)?.size ?? 0) > 0;
    let c = this.consumers.get(p);
    if (wanted) {
      if (!c) this.consumers.set(p, (c = { starting: false }));
      clearTimeout(c.linger);
      c.linger = undefined;
      if (!c.tag && !c.starting && this.sub && this.connected) this.startConsumer(p, c, this.sub);
    } else if (c && !c.linger) {
      c.linger = setTimeout(() => {
        c!.linger = undefined;
        if ((this.rooms.get(p)?.size ?? 0) === 0) this.stopConsumer(p, c!);
      }, PARTITION_LINGER_MS);
      c.linger.unref();
    }
  }

  private startConsumer(p: number, c: PartitionConsumer, ch: Channel): void {
    c.starting = true;
    const stream = eventStreamName(this.opts.prefix, p);
    ch.consume(stream, (msg) => this.onDelivery(p, ch, msg), { noAck: false, arguments: { 'x-stream-offset': 'next' } })
      .then(({ consumerTag }) => {
        c.starting = false;
        if (ch !== this.sub) return; // the connection was replaced meanwhile
        c.tag = consumerTag;
        this.log.debug({ stream }, 'reading partition');
        // Anything published between the room's subscription request and now was not delivered.
        for (const roomId of this.rooms.get(p) ?? []) for (const h of this.resyncHandlers) h(roomId);
        this.reconcile(p);
      })
      .catch((err: unknown) => {
        c.starting = false;
        // The channel is closing with it; the reconnect re-subscribes.
        this.log.warn({ err, stream }, 'could not subscribe to a partition');
      });
  }

  private stopConsumer(p: number, c: PartitionConsumer): void {
    const tag = c.tag;
    this.consumers.delete(p);
    if (!tag || !this.sub) return;
    this.acks?.flush();
    this.sub.cancel(tag).catch((err: unknown) => this.log.debug({ err, partition: p }, 'cancel failed'));
  }

  private onDelivery(p: number, ch: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled us (the stream was deleted): subscribe again shortly if still needed.
      const c = this.consumers.get(p);
      if (c) c.tag = undefined;
      this.log.warn({ partition: p }, 'partition subscription cancelled by the broker');
      setTimeout(() => this.reconcile(p), 1000).unref();
      return;
    }
    if (ch === this.sub) this.acks?.add(msg);
    const text = msg.content.toString('utf8');
    const nl = text.indexOf('\n');
    let head: unknown;
    try {
      head = JSON.parse(text.slice(0, nl));
    } catch {
      head = undefined;
    }
    if (!Array.isArray(head) || head.length !== 3) {
      this.log.warn({ partition: p }, 'dropping a malformed stream message');
      return;
    }
    const [origin, roomId, seq] = head as [string, string, number];
    if (!this.rooms.get(p)?.has(roomId)) return;
    const sentAt: unknown = msg.properties.headers?.[SENT_AT_HEADER];
    if (typeof sentAt === 'number' && origin !== this.opts.instanceId) this.lastLagMs = Math.max(0, Date.now() - sentAt);
    const event: FanoutEvent = { origin, roomId, seq, json: text.slice(nl + 1) };
    for (const h of this.eventHandlers) h(event);
  }

  private onControlDelivery(ch: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // Our control queue was deleted under us: rebuild everything on a fresh connection.
      this.log.warn('control queue subscription cancelled by the broker; reconnecting');
      if (ch === this.sub) this.conn?.close().catch(() => undefined);
      return;
    }
    if (ch === this.sub) this.acks?.add(msg);
    let m: ControlMessage;
    try {
      m = JSON.parse(msg.content.toString('utf8')) as ControlMessage;
    } catch {
      this.log.warn('dropping a malformed control message');
      return;
    }
    for (const h of this.controlHandlers) h(m);
  }

  // ---- connection lifecycle -------------------------------------------------------------------

  private connectNow(): void {
    if (this.closing || this.connecting) return;
    this.connecting = this.connect()
      .then(() => {
        this.attempt = 0;
        this.log.info({ partitions: this.opts.partitions, prefix: this.opts.prefix }, 'connected to the message broker');
      })
      .catch((err: unknown) => {
        this.attempt++;
        const delay = backoff(this.attempt);
        this.log.warn({ err: (err as Error).message, attempt: this.attempt, retryInMs: delay }, 'message broker unreachable');
        this.scheduleReconnect(delay);
      })
      .finally(() => { this.connecting = undefined; });
  }

  private scheduleReconnect(delay: number): void {
    if (this.closing) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connectNow(), delay);
  }

  private async connect(): Promise<void> {
    const conn = await amqp.connect(withHeartbeat(this.opts.url), {
      clientProperties: { connection_name: `myroom ${this.opts.instanceId}` },
      timeout: 5000,
    });
    let closedDuringSetup = false;
    conn.on('close', () => { closedDuringSetup = true; });
    conn.on('error', (err: Error) => this.log.warn({ err: err.message }, 'message broker connection error'));
    conn.on('close', () => this.onConnectionClosed(conn));
    conn.on('blocked', (reason: string) => {
      this.blocked = true;
      this.log.warn({ reason }, 'message broker blocked publishing');
    });
    conn.on('unblocked', () => { this.blocked = false; });
    try {
      await declareStreams(conn, allEventStreams(this.opts.prefix, this.opts.partitions), {
        'x-queue-type': 'stream',
        'x-max-age': this.opts.maxAge,
        'x-max-length-bytes': this.opts.maxBytes,
        'x-stream-max-segment-size-bytes': this.opts.segmentBytes,
      }, this.log);
      const pub = await conn.createConfirmChannel();
      const sub = await conn.createChannel();
      for (const ch of [pub, sub]) {
        ch.on('error', (err: Error) => this.log.warn({ err: err.message }, 'message broker channel error'));
        // A channel only closes on its own after an error: start over with a fresh connection.
        ch.on('close', () => { if (conn === this.conn) conn.close().catch(() => undefined); });
      }
      await sub.prefetch(this.opts.prefetch, false);
      await sub.assertQueue(this.controlQueue, {
        durable: true,
        arguments: { 'x-expires': CONTROL_QUEUE_EXPIRES_MS, 'x-message-ttl': CONTROL_TTL_MS },
      });
      await sub.consume(this.controlQueue, (msg) => this.onControlDelivery(sub, msg), { noAck: false });
      if (this.closing) throw new Error('closing');
      if (closedDuringSetup) throw new Error('the connection closed while it was being set up');
      this.conn = conn;
      this.pub = pub;
      this.sub = sub;
      this.acks = new AckBatcher(sub, this.log);
      this.blocked = false;
      this.connected = true;
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
    for (const [p, c] of this.consumers) {
      c.tag = undefined;
      c.starting = false;
      this.reconcile(p);
    }
    for (const p of this.rooms.keys()) this.reconcile(p);
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
    for (const c of this.consumers.values()) {
      c.tag = undefined;
      c.starting = false;
    }
  }
}
