import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Identity } from '../auth/identity';
import { audit } from '../logging/audit';
import type { Logger } from '../logging/logger';
import type { LeaveReason, Role } from '../protocol/messages';
import { CloseCode } from '../protocol/close-codes';
import { framesSent, socketsCut } from '../common/metrics';
import { BATCH_SUBPROTOCOL } from '../protocol/messages';
import { PendingBatch, type RoomTurn } from './event-batch';

export interface RoomSeat {
  roomId: string;
  role: Role;
  /** The seq of this session's welcome: it gets only events after it. */
  sinceSeq: number;
}

/**
 * One WebSocket = one session = at most one room. Frames of a session are handled one after
 * another (the adapter would otherwise run two moves of one socket concurrently and they could
 * finish out of order), through a bounded queue.
 */
export class ClientSession {
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
  /** The client chose `myroom.v1.batch`: its room events of a turn go out as one frame (event-batch.ts). */
  readonly batched: boolean;
  private readonly batch = new PendingBatch();

  /**
   * `tcp` is the socket under the WebSocket, corked while this turn of the event loop writes to it
   * (see uncorkLater). `ws` keeps it private, so it comes from the upgrade request (`req.socket`):
   * Node hands the same socket to the `upgrade` event, and `ws` writes every frame to it. Without
   * it (tests) frames simply go out one write each.
   */
  constructor(
    readonly socket: WebSocket,
    /** Replaced by a `refresh` (same user; name and role may change, the avatar stays). */
    public identity: Identity,
    private readonly maxBufferedBytes: number,
    parentLog: Logger,
    private readonly tcp?: Socket,
  ) {
    this.log = parentLog.child({ user: identity.userId, session: this.id });
    this.batched = socket.protocol === BATCH_SUBPROTOCOL;
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.once('close', () => clearTimeout(this.expiryTimer));
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
   * Sends a pre-serialized frame (JSON text, or its UTF-8 bytes when one encoding is shared by a
   * room). A client that cannot keep up is cut off rather than buffered forever.
   */
  send(text: string | Buffer): void {
    // Anything else this socket gets goes after the events already waiting for it.
    if (this.batch.size > 0) this.flushBatch();
    this.write(text);
  }

  /**
   * Sends a room event: at once, or for a batch client at the end of this turn, together with the
   * turn's other events. `turn`: the room's events of this turn, when this text is the room's own.
   */
  sendEvent(text: string | Buffer, json: string, turn?: RoomTurn): void {
    if (!this.batched) return this.write(text);
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.batch.add(json, turn);
    this.corkForTurn();
  }

  private flushBatch(): void {
    const frame = this.batch.take();
    if (frame !== undefined) this.write(frame);
  }

  private write(text: string | Buffer): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.log.warn({ room: this.seat?.roomId, buffered: this.socket.bufferedAmount }, 'slow consumer: closing');
      socketsCut.inc({ reason: 'slow_consumer' });
      this.close(CloseCode.POLICY_VIOLATION, 'too slow to keep up');
      return;
    }
    this.corkForTurn();
    this.socket.send(text, TEXT_FRAME);
    framesSent.inc();
  }

  private corkForTurn(): void {
    if (this.corked) return;
    this.corked = true;
    this.tcp?.cork();
    uncorkLater(this);
  }

  /** Flushes what this turn of the event loop wrote (its batch first), in one system call. */
  uncork(): void {
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
      this.socket.close(code, reason);
      // Flush now: a shutdown may destroy the socket before the end of this turn, and a close
      // frame still corked would be lost (the client would see 1006 instead of our code).
      if (this.corked) this.uncork();
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

const TEXT_FRAME = { binary: false };
/** The longest delay setTimeout honours (2^31 - 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const toUncork: ClientSession[] = [];
let flushScheduled = false;

/**
 * Write coalescing: one `ws.send()` is one `writev` system call, which costs far more than
 * building the frame, and a busy room sends many events to the same socket within one turn of the
 * event loop (a batch of Redis replies resolves many moves at once). So a socket written to is
 * corked until the end of the turn (setImmediate runs right after the I/O callbacks of the poll
 * phase), and everything it got goes out in one `writev`. Frames and their order are unchanged.
 */
function uncorkLater(session: ClientSession): void {
  toUncork.push(session);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    for (const s of toUncork.splice(0)) s.uncork();
  });
}

const sessions = new WeakMap<WebSocket, ClientSession>();
export const attachSession = (ws: WebSocket, s: ClientSession) => sessions.set(ws, s);
export const sessionOf = (ws: WebSocket): ClientSession | undefined => sessions.get(ws);
