import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Identity } from '../auth/identity';
import { audit } from '../logging/audit';
import type { Logger } from '../logging/logger';
import type { LeaveReason, Role } from '../protocol/messages';
import { CloseCode } from '../protocol/close-codes';
import { eventsDropped, framesSent, socketsCut } from '../common/metrics';
import { type WireFormat, wireFormat } from '../codec/codecs';
import { PendingBatch, type RoomTurn } from '../codec/event-batch';
import type { EventFrames } from '../codec/event-frames';
import type { Frame, WireCodec } from '../codec/wire-codec';
import { type BacklogMarks, SlowConsumerGate } from './slow-consumer';
import { type Corked, PER_TURN, type WriteCoalescer } from './write-coalescer';

export interface RoomSeat {
  roomId: string;
  role: Role;
  /** The seq of this session's welcome: it gets only events after it. */
  sinceSeq: number;
}

/** What a session writes through, from the upgrade; all optional (tests). */
export interface SessionEdge {
  /**
   * The socket under the WebSocket, corked while frames for it wait (write-coalescer.ts). `ws`
   * keeps it private, so it comes from the upgrade request (`req.socket`): Node hands the same
   * socket to the `upgrade` event, and `ws` writes every frame to it. Room events are written to
   * it directly, framed once for the room (writeWire). Without it frames go out through `ws`, one
   * write each.
   */
  tcp?: Socket;
  /** Its codec when the endpoint, not the subprotocol, decides it (the original clients' `/library`). */
  format?: WireFormat;
  /** When corked frames go out; by default at the end of each turn. */
  writes?: WriteCoalescer;
}

/**
 * One WebSocket = one session = at most one room. Frames of a session are handled one after
 * another (the adapter would otherwise run two moves of one socket concurrently and they could
 * finish out of order), through a bounded queue.
 */
export class ClientSession implements Corked {
  readonly id = randomUUID();
  seat?: RoomSeat;
  /** Cleared by each ping tick, set by each pong: a session still false at the next tick is dead. */
  alive = true;
  /** Why the socket is closing, when we know better than "disconnect". */
  closeReason?: LeaveReason;
  readonly log: Logger;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private corked = false;
  private expiryTimer?: NodeJS.Timeout;
  /** How this socket's frames look, by the subprotocol it chose (codec/codecs.ts). */
  readonly codec: WireCodec;
  /** The client chose a `.batch` subprotocol: its room events of a turn go out as one frame (event-batch.ts). */
  readonly batched: boolean;
  private readonly batch = new PendingBatch();
  /** Whether room events still go out to this socket, by its backlog (slow-consumer.ts). */
  private readonly gate: SlowConsumerGate;
  private lagTimer?: NodeJS.Timeout;
  /** Replies to its own moves that came while it lagged (as JSON): they follow its fresh welcome. */
  private held: { seq: number; json: string }[] = [];
  /**
   * Sends this session the room as it is now (a `welcome` with reason `lagging`) and ends with
   * `resumeLive`; set by the gateway. Without it, a lagging session goes live again with no welcome.
   */
  resendRoom?: (session: ClientSession) => Promise<void>;

  private readonly tcp?: Socket;
  private readonly writes: WriteCoalescer;

  constructor(
    readonly socket: WebSocket,
    /** Replaced by a `refresh` (same user; name and role may change, the avatar stays). */
    public identity: Identity,
    /** The backlog marks; a number is a hard mark alone (room events never stop before the cut). */
    marks: BacklogMarks | number,
    parentLog: Logger,
    { tcp, format, writes = PER_TURN }: SessionEdge = {},
  ) {
    this.tcp = tcp;
    this.writes = writes;
    this.log = parentLog.child({ user: identity.userId, session: this.id });
    this.gate = new SlowConsumerGate(
      typeof marks === 'number' ? { lowBytes: marks, softBytes: marks, hardBytes: marks, cutAfterMs: Infinity } : marks,
    );
    ({ codec: this.codec, batched: this.batched } = format ?? wireFormat(socket.protocol));
    socket.on('pong', () => {
      this.alive = true;
    });
    // A close the client started: `ws` has just answered it (its listener of this socket runs
    // before ours) with a close frame, a reply like any other, which must not wait for a send
    // window; `ws` ends the connection only once that frame is written. Without a window the
    // frame goes out at the end of the turn anyway, so no listener is added to every read.
    if (tcp && writes.holdsPastTurn) {
      tcp.on('data', () => {
        if (this.corked && socket.readyState === WebSocket.CLOSING) this.writes.flushAtTurnEnd(this);
      });
    }
    socket.once('close', () => {
      clearTimeout(this.expiryTimer);
      clearInterval(this.lagTimer);
    });
    this.expireAt(identity.expiresAt);
  }

  /**
   * Closes the socket with 4004 at `expiresAt` (ms since the epoch; none: never), replacing any
   * earlier deadline. setTimeout cannot wait longer than ~24.8 days, so a longer wait is re-armed
   * when that much has passed. Unref'd: a pending deadline does not keep the process alive.
   */
  expireAt(expiresAt: number | undefined): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (expiresAt === undefined || this.socket.readyState === WebSocket.CLOSED) return;
    const wait = expiresAt - Date.now();
    if (wait <= 0) return this.expire();
    this.expiryTimer = setTimeout(
      () => {
        if (wait > MAX_TIMER_MS) this.expireAt(expiresAt);
        else this.expire();
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    this.expiryTimer.unref();
  }

  private expire(): void {
    if (!this.isOpen) return;
    audit(this.log, { actor: this.identity.userId, action: 'access.expired', roomId: this.seat?.roomId, result: 'ok' });
    this.close(CloseCode.TOKEN_EXPIRED, 'token expired');
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Whether this session, still open, sits in `seat` (the very seat a request read when it began).
   * A write made on the session's behalf after an await asks this right before it: meanwhile the
   * session may have been dropped. A lost lease drops every session (unseats and closes it) in the
   * same turn in which it is noticed, before a new lease is taken; a request of a dropped session
   * writing afterwards would pass the fence under the new lease. The Redis state reads the lease's
   * epoch before its first await, so nothing runs between this check and that read.
   */
  stillSeatedIn(seat: RoomSeat): boolean {
    return this.seat === seat && this.isOpen;
  }

  /**
   * Sends a message of its own (a reply, an error), in this socket's codec. It goes out even while
   * room events are held back; only a backlog past the hard mark stops it, by cutting the socket.
   */
  sendMessage(message: object): void {
    this.sendFrame(this.codec.encode(message));
  }

  /** As sendMessage, for a message already serialized as JSON (an event read from the room log). */
  send(json: string): void {
    this.sendFrame(this.codec.fromJson(json));
  }

  private sendFrame(frame: Frame): void {
    // Anything else this socket gets goes after the events already waiting for it.
    if (this.batch.size > 0) this.flushBatch();
    this.write(frame);
    this.flushAtTurnEnd();
  }

  /**
   * Sends a room event: at once (the room's frame for this codec), or for a batch client at the
   * end of this turn, together with the turn's other events. `turn`: the room's events of this
   * turn, when this event is the room's own.
   */
  sendEvent(event: EventFrames, turn?: RoomTurn): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const verdict = this.gate.onEvent(this.socket.bufferedAmount);
    if (verdict === 'cut') return this.cutSlow();
    if (verdict === 'drop') return this.dropped();
    if (!this.batched) return this.writeEvent(event);
    this.addToBatch(event.json, turn);
  }

  /** A room event, its gate passed: the room's frame of it, made once for every socket (writeWire). */
  private writeEvent(event: EventFrames): void {
    if (this.tcp) this.writeWire(this.tcp, event.wireFor(this.codec));
    else this.write(event.for(this.codec));
  }

  private addToBatch(json: string, turn?: RoomTurn): void {
    this.batch.add(json, turn);
    this.cork();
  }

  /**
   * The reply to this session's own move (the room event with its request's `id`): sent like any
   * event, but while the socket lags it is kept and follows the fresh welcome, so the request is
   * answered rather than left to time out.
   */
  sendReply(json: string, seq: number): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.gate.isLive) {
      const verdict = this.gate.onEvent(this.socket.bufferedAmount);
      if (verdict === 'cut') return this.cutSlow();
      if (verdict === 'send') {
        if (this.batched) this.addToBatch(json);
        else this.write(this.codec.fromJson(json));
        return this.flushAtTurnEnd();
      }
      this.dropped();
    }
    if (this.held.length >= MAX_HELD_REPLIES) this.held.shift();
    this.held.push({ seq, json });
  }

  /**
   * For `resendRoom`, with the room as of `seq` (its `welcome`): live events again
   * from that seq on, after the held replies it covers (newer ones come again with the events the
   * caller then replays). Without a welcome (the session is in no room now): live again, as is.
   */
  resumeLive(welcome?: object, seq = 0): void {
    const dropped = this.gate.dropped;
    this.gate.recovered();
    if (welcome === undefined) {
      this.held = [];
      return;
    }
    this.sendMessage(welcome);
    for (const r of this.held) if (r.seq <= seq) this.write(this.codec.fromJson(r.json));
    this.held = [];
    if (this.seat) this.seat.sinceSeq = seq;
    this.log.info({ room: this.seat?.roomId, seq, dropped }, 'slow consumer caught up: sent the room afresh');
  }

  private dropped(): void {
    eventsDropped.inc();
    if (this.lagTimer) return;
    this.log.warn(
      { room: this.seat?.roomId, buffered: this.socket.bufferedAmount },
      'slow consumer: holding events back',
    );
    this.watchLag();
  }

  /** While events are held back: has the backlog drained (send the room), or stayed too long (cut)? */
  private watchLag(): void {
    this.lagTimer = setInterval(() => {
      if (!this.isOpen) return this.stopWatchingLag();
      const verdict = this.gate.check(this.socket.bufferedAmount);
      if (verdict === 'cut') this.cutSlow();
      else if (verdict === 'recover') this.recover();
    }, LAG_CHECK_MS);
    this.lagTimer.unref();
  }

  private stopWatchingLag(): void {
    clearInterval(this.lagTimer);
    this.lagTimer = undefined;
  }

  /** In this session's queue, after the frames it sent meanwhile, so it cannot race its own enter or leave. */
  private recover(): void {
    this.stopWatchingLag();
    const resend = this.resendRoom;
    this.enqueue(async () => {
      if (!this.isOpen) return;
      // Not in a room (or nobody to ask for it): no room view to repair.
      if (!this.seat || !resend) return this.resumeLive();
      try {
        await resend(this);
      } catch (err) {
        this.log.warn({ err, room: this.seat?.roomId }, 'could not send a lagging client the room; will retry');
        this.gate.recoveryFailed();
        if (!this.lagTimer) this.watchLag();
      }
    }, Infinity);
  }

  private cutSlow(): void {
    this.stopWatchingLag();
    this.log.warn({ room: this.seat?.roomId, buffered: this.socket.bufferedAmount }, 'slow consumer: closing');
    socketsCut.inc({ reason: 'slow_consumer' });
    this.close(CloseCode.POLICY_VIOLATION, 'too slow to keep up');
    // A client that does not read will not read our close frame either: free the socket soon
    // rather than after the close handshake's 30 s timeout.
    setTimeout(() => {
      if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
    }, CUT_GRACE_MS).unref();
  }

  private flushBatch(): void {
    if (this.tcp) {
      const wire = this.batch.takeSharedWire(this.codec);
      if (wire) return this.writeWire(this.tcp, wire);
    }
    const frame = this.batch.take(this.codec);
    if (frame !== undefined) this.write(frame);
  }

  /**
   * Room events, their gate passed, as a whole WebSocket frame made once for all the room's sockets
   * of this codec (codec/ws-frame.ts): written to the TCP stream as one chunk, which is `ws.send`
   * without the framing per socket. It is safe beside `ws`'s own writes to the same stream: `ws`
   * writes each frame at once, in call order, and queues one only while compressing (off, see
   * room-ws.adapter.ts) or reading a Blob (never sent here). The readyState check is `ws`'s own:
   * no frame after our close frame.
   */
  private writeWire(tcp: Socket, wire: Buffer): void {
    if (wire.length === 0 || this.socket.readyState !== WebSocket.OPEN) return;
    this.cork();
    tcp.write(wire);
    framesSent.inc();
  }

  private write(frame: Frame): void {
    // Empty: the codec has no word for this message (wire-codec.ts); no message is ever empty.
    if (frame.length === 0 || this.socket.readyState !== WebSocket.OPEN) return;
    if (this.gate.onOwnFrame(this.socket.bufferedAmount) === 'cut') return this.cutSlow();
    this.cork();
    this.socket.send(frame, this.codec.binary ? BINARY_FRAME : TEXT_FRAME);
    framesSent.inc();
  }

  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.tcp?.cork();
    this.writes.flushLater(this);
  }

  /** A reply to this socket's own request goes out at the end of its turn, even within a send window. */
  private flushAtTurnEnd(): void {
    if (this.corked) this.writes.flushAtTurnEnd(this);
  }

  /** Sends what waited (its batch first) in one system call; nothing when nothing waits. */
  flush(): void {
    if (!this.corked) return;
    this.flushBatch();
    this.corked = false;
    this.tcp?.uncork();
  }

  /** Queues a task after this session's earlier ones. False when the queue is full. */
  enqueue(task: () => Promise<void>, maxQueued: number): boolean {
    if (this.queued >= maxQueued) return false;
    this.queued++;
    this.queue = this.queue
      .then(task)
      .catch((err: unknown) => {
        this.log.error({ err }, 'unhandled error in a queued frame');
      })
      .finally(() => {
        this.queued--;
      });
    return true;
  }

  /** Resolves once every frame queued so far has been handled (the queue never rejects). */
  settled(): Promise<void> {
    return this.queue;
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.flushBatch();
      this.socket.close(this.codec.closeCode?.(code) ?? code, reason);
      // Flush now: a shutdown may destroy the socket before the end of this turn, and a close
      // frame still corked would be lost (the client would see 1006 instead of our code).
      this.flush();
    }
  }

  /** Resolves when the socket has closed, or after `maxMs`, whichever comes first. */
  closed(maxMs: number): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

// A Buffer sent as a text frame is JSON's UTF-8 bytes, shared by a room (codec/event-frames.ts).
const TEXT_FRAME = { binary: false };
const BINARY_FRAME = { binary: true };
/** How often a lagging socket's backlog is looked at. */
const LAG_CHECK_MS = 50;
/** After a slow-consumer cut, how long the close handshake may take before the socket is dropped. */
const CUT_GRACE_MS = 1000;
/** Replies kept for a lagging socket (its frames are rate-limited, so this is rarely reached). */
const MAX_HELD_REPLIES = 1000;
/** The longest delay setTimeout honours (2^31 - 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const sessions = new WeakMap<WebSocket, ClientSession>();
export const attachSession = (ws: WebSocket, s: ClientSession) => sessions.set(ws, s);
export const sessionOf = (ws: WebSocket): ClientSession | undefined => sessions.get(ws);
