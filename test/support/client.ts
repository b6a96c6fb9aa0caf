import type { IncomingHttpHeaders } from 'node:http';
import { Packr, Unpackr } from 'msgpackr';
import WebSocket from 'ws';

export type Frame = Record<string, unknown> & { type: string };

export interface ConnectOptions {
  protocols?: string[];
  headers?: Record<string, string>;
  /** False: the client does not answer the server's pings (to test timeouts). */
  autoPong?: boolean;
  /** The local address to connect from (e.g. one 127.0.0.x per simulated user, for per-address limits). */
  localAddress?: string;
}

/**
 * The frame if it matches, else (a `batch` frame of a batching socket) the first event in it that
 * does: a reply or an event a test waits for may come inside a batch with others of its turn.
 */
function matching(frame: Frame, pred: (f: Frame) => boolean): Frame | undefined {
  if (pred(frame)) return frame;
  if (frame.type !== 'batch' || !Array.isArray(frame.events)) return undefined;
  return (frame.events as Frame[]).find((e) => pred(e));
}

/**
 * A protocol-speaking test client over a real WebSocket: it records every frame and lets a test
 * wait for a frame matching a predicate.
 */
export class TestClient {
  readonly frames: Frame[] = [];
  /** How each frame in `frames` came: a text frame (JSON) or a binary one (MessagePack). */
  readonly kinds: ('text' | 'binary')[] = [];
  /** Response headers of the accepted upgrade (to check the selected subprotocol). */
  upgradeHeaders: IncomingHttpHeaders = {};
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('upgrade', (res) => {
      this.upgradeHeaders = res.headers;
    });
    ws.on('message', (data, isBinary) => {
      const frame = (isBinary ? unpackr.unpack(data as Buffer) : JSON.parse(data.toString())) as Frame;
      this.frames.push(frame);
      this.kinds.push(isBinary ? 'binary' : 'text');
      this.waiters = this.waiters.filter((w) => {
        const match = matching(frame, w.pred);
        if (match) {
          w.resolve(match);
          return false;
        }
        return true;
      });
    });
    // Errors after the handshake show up as the close code; keep them from crashing the test.
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static connect(url: string, token: string | undefined, opts: ConnectOptions = {}): Promise<TestClient> {
    const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...opts.headers };
    const ws = new WebSocket(url, opts.protocols ?? [], {
      headers,
      autoPong: opts.autoPong ?? true,
      localAddress: opts.localAddress,
    });
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      // Without an 'unexpected-response' listener, ws aborts the handshake itself and reports
      // "Unexpected server response: <status>".
      ws.once('error', (err) => {
        const m = /Unexpected server response: (\d+)/.exec(err.message);
        reject(m ? new HandshakeRefused(Number(m[1])) : err);
      });
    });
  }

  /** The subprotocol the server selected ('' when none). */
  get protocol(): string {
    return this.ws.protocol;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** A message in the codec of the selected subprotocol (a string is sent as a text frame, as it is). */
  send(msg: unknown): void {
    if (typeof msg === 'string') this.ws.send(msg);
    else if (this.protocol.startsWith(MSGPACK_PREFIX)) this.ws.send(packr.pack(msg), { binary: true });
    else this.ws.send(JSON.stringify(msg));
  }

  /** Bytes as they are, in a frame of the given kind (to send what a codec must refuse). */
  sendRaw(data: Buffer | string, binary: boolean): void {
    this.ws.send(data, { binary });
  }

  /** Sends a request with an `id` and resolves with the frame that echoes it. */
  async request(msg: Record<string, unknown>, timeoutMs = 5000): Promise<Frame> {
    const id = (msg.id as string | undefined) ?? `r${Math.random().toString(36).slice(2)}`;
    // The reply cannot be among the frames already received: only wait for new ones (busy clients
    // hold thousands of frames).
    const reply = this.waitFor((f) => f.id === id, timeoutMs);
    this.send({ ...msg, id });
    return reply;
  }

  /**
   * The first frame matching `pred`, among all frames received since the last `clear()` or
   * arriving later. Make predicates specific (a seq, an id) when similar frames may repeat.
   */
  next(pred: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    for (const f of this.frames) {
      const existing = matching(f, pred);
      if (existing) return Promise.resolve(existing);
    }
    return this.waitFor(pred, timeoutMs);
  }

  /** The first frame matching `pred` that arrives from now on. */
  private waitFor(pred: (f: Frame) => boolean, timeoutMs: number): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for a frame; last frames: ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      this.waiters.push(waiter);
      // Nothing more can arrive once the socket is closed: fail now, saying why.
      void this.closed.then(({ code }) => {
        if (!this.waiters.includes(waiter)) return;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        clearTimeout(timer);
        reject(new SocketClosed(code, this.frames.slice(-5)));
      });
    });
  }

  /** Frames of one type. */
  ofType(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Room events received (`entered`, `moved`, `built`, `left`), in arrival order. */
  events(): Frame[] {
    return this.frames.filter((f) => EVENT_TYPES.has(f.type));
  }

  /** Waits until a room event with at least this seq has arrived. */
  untilSeq(seq: number, timeoutMs = 5000): Promise<Frame> {
    return this.next((f) => EVENT_TYPES.has(f.type) && (f.seq as number) >= seq, timeoutMs);
  }

  /** Forgets the frames seen so far, so `next` only matches new ones. */
  clear(): void {
    this.frames.length = 0;
    this.kinds.length = 0;
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }

  /** Drops the TCP connection without a closing handshake (a crashed client). */
  kill(): Promise<{ code: number; reason: string }> {
    this.ws.terminate();
    return this.closed;
  }
}

const MSGPACK_PREFIX = 'myroom.v1.msgpack';
/** Plain MessagePack, as a client of any language writes and reads it. */
export const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export const EVENT_TYPES: ReadonlySet<string> = new Set(['entered', 'moved', 'built', 'left']);

export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with HTTP ${status}`);
  }
}

export class SocketClosed extends Error {
  constructor(
    readonly code: number,
    lastFrames: Frame[],
  ) {
    super(`the socket closed (${code}) while waiting for a frame; last frames: ${JSON.stringify(lastFrames)}`);
  }
}
