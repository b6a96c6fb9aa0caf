/**
 * Typed My Room client for browsers and Node (bots, games, tests). It speaks docs/PROTOCOL.md:
 * requests carry an `id` and resolve with their reply (`welcome`, `ack`, the mover's own `moved`)
 * or reject with a MyRoomRequestError carrying the protocol error code; room events are typed.
 *
 * Only type imports from the server's protocol module, so a browser bundle stays small.
 */
import type {
  BuildOp,
  BuiltEvent,
  Direction,
  EnteredEvent,
  EnterMessage,
  ErrorMessage,
  KickedMessage,
  LeftEvent,
  MovedEvent,
  NoticeEvent,
  ReplacedMessage,
  Role,
  SaidEvent,
  WelcomeMessage,
} from '../protocol/messages';
import { BATCH_HEAD, splitBatch } from './batch-frame';
import { type ClientCodec, jsonClientCodec } from './client-codec';
import { type ClientEvents, MyRoomRequestError, type MyRoomClientOptions, type WebSocketLike } from './client-types';
import { refreshDelayMs, tokenExpiresAt } from './token-expiry';

export type {
  BuildOp,
  BuiltEvent,
  Direction,
  EnteredEvent,
  ErrorMessage,
  KickedMessage,
  LeftEvent,
  MovedEvent,
  NoticeEvent,
  ReplacedMessage,
  Role,
  SaidEvent,
  WelcomeMessage,
};
export type { Member, MapObject, RoomMap, RoomEvent } from '../protocol/messages';

export type { ClientEvents, MyRoomClientOptions, WebSocketFactory, WebSocketLike } from './client-types';
export { MyRoomRequestError } from './client-types';
export { BATCH_HEAD, splitBatch } from './batch-frame';
export { BATCH_PROTOCOL, type ClientCodec, jsonClientCodec, PROTOCOL } from './client-codec';

type Handler<T> = (payload: T) => void;
interface Pending {
  resolve: (f: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class MyRoomClient {
  private readonly pending = new Map<string, Pending>();
  private readonly handlers = new Map<keyof ClientEvents, Set<Handler<never>>>();
  private rawHandler?: (text: string) => void;
  /** Listeners that need parsed frames (all but `close`): with none, `onRaw` clients skip parsing. */
  private frameListeners = 0;
  private nextId = 1;
  /** Seq of the last room event seen, for `resume` after a reconnect. */
  lastSeq = 0;
  private refreshTimer?: ReturnType<typeof setTimeout>;

  private constructor(
    private readonly socket: WebSocketLike,
    private readonly timeoutMs: number,
    private readonly refreshToken?: () => Promise<string>,
    private readonly codec: ClientCodec = jsonClientCodec,
  ) {
    socket.onmessage = (ev) => {
      if (typeof ev.data === 'string' || !codec.decodeBinary) this.onFrame(String(ev.data));
      else this.onMessage(codec.decodeBinary(binaryOf(ev.data)));
    };
    socket.onclose = (ev) => {
      clearTimeout(this.refreshTimer);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`connection closed (${ev.code})`));
      }
      this.pending.clear();
      this.emit('close', { code: ev.code, reason: ev.reason });
    };
  }

  /** Opens the socket; the token travels as the `bearer.<jwt>` subprotocol (works in browsers). */
  static async connect(opts: MyRoomClientOptions): Promise<MyRoomClient> {
    let token = opts.token;
    const expiresAt = tokenExpiresAt(token);
    if (opts.refreshToken && expiresAt !== undefined && expiresAt - Date.now() < MIN_TOKEN_LIFE_MS)
      token = await opts.refreshToken();
    const client = await MyRoomClient.open(opts, token);
    client.scheduleRefresh(token);
    return client;
  }

  private static open(opts: MyRoomClientOptions, token: string): Promise<MyRoomClient> {
    const factory = opts.createSocket ?? defaultFactory;
    const codec = codecOf(opts);
    const socket = factory(opts.url, [...codec.protocols(opts.batch ?? false), `bearer.${token}`]);
    if (codec.decodeBinary) socket.binaryType = 'arraybuffer';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('could not connect (timed out)'));
        socket.close();
      }, opts.connectTimeoutMs ?? 10_000);
      socket.onopen = () => {
        clearTimeout(timer);
        resolve(new MyRoomClient(socket, opts.requestTimeoutMs ?? 10_000, opts.refreshToken, codec));
      };
      socket.onerror = () => {
        clearTimeout(timer);
        reject(new Error('could not connect (refused, unauthorized or unreachable)'));
      };
      socket.onclose = (ev) => {
        clearTimeout(timer);
        reject(new Error(`closed before open (${ev.code})`));
      };
    });
  }

  /** The subprotocol the server selected (e.g. `myroom.v1.msgpack`): which codec is in use. */
  get protocol(): string {
    return this.socket.protocol;
  }

  get isOpen(): boolean {
    return this.socket.readyState === 1;
  }

  enter(roomId: string, opts: { as?: Role; resume?: EnterMessage['resume'] } = {}): Promise<WelcomeMessage> {
    return this.request({ type: 'enter', roomId, ...opts }) as unknown as Promise<WelcomeMessage>;
  }

  /**
   * Watches a room's past from a point (right after event `seq`, or at an ISO-8601 `time`): resolves
   * with the room as it was then (a `welcome` with `replay: true`); its events follow as events,
   * paced at `speed` (1-16), then `replay-end`. `leave()` stops it.
   */
  replay(roomId: string, from: { seq: number } | { time: string }, speed?: number): Promise<WelcomeMessage> {
    return this.request({
      type: 'replay',
      roomId,
      from,
      ...(speed !== undefined ? { speed } : {}),
    }) as unknown as Promise<WelcomeMessage>;
  }

  /** Resolves with this move's own `moved` event (its confirmation), rejects with BLOCKED etc. */
  move(dir: Direction): Promise<MovedEvent> {
    return this.request({ type: 'move', dir }) as unknown as Promise<MovedEvent>;
  }

  /** Fire-and-forget move for load tools: no promise, the reply arrives as a `moved` event. */
  sendMove(dir: Direction, id?: string): void {
    if (this.codec !== jsonClientCodec)
      return this.socket.send(this.codec.encode(id === undefined ? { type: 'move', dir } : { type: 'move', dir, id }));
    this.socket.send(
      id === undefined ? `{"type":"move","dir":"${dir}"}` : `{"type":"move","dir":"${dir}","id":${JSON.stringify(id)}}`,
    );
  }

  async build(baseVersion: number, ops: BuildOp[]): Promise<void> {
    await this.request({ type: 'build', baseVersion, ops });
  }

  /** Says a line in the room; resolves with its `said` event (seq, trimmed text, server time). */
  say(text: string): Promise<SaidEvent> {
    return this.request({ type: 'say', text }) as unknown as Promise<SaidEvent>;
  }

  async leave(): Promise<void> {
    await this.request({ type: 'leave' });
  }

  /** Hands the server a newer token of the same user; the socket then lives until its `exp`. */
  async refresh(token: string): Promise<void> {
    await this.request({ type: 'refresh', token });
    this.scheduleRefresh(token);
  }

  /** Whether this client gets fresh tokens by itself (it was given `refreshToken`). */
  get canRefresh(): boolean {
    return this.refreshToken !== undefined;
  }

  on<K extends keyof ClientEvents>(type: K, handler: Handler<ClientEvents[K]>): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler as Handler<never>);
    if (type !== 'close') this.frameListeners++;
    return () => {
      if (set!.delete(handler as Handler<never>) && type !== 'close') this.frameListeners--;
    };
  }

  /**
   * Sees every frame as text before it is parsed; return without parsing to keep a bot cheap.
   * When set, frames are parsed only if they may answer a pending request or have listeners
   * (a `close` listener alone does not count). JSON only: MessagePack frames have no text, and
   * reach the typed handlers (`on`) decoded.
   */
  onRaw(handler: (text: string) => void): void {
    this.rawHandler = handler;
  }

  close(code = 1000): void {
    this.socket.close(code);
  }

  /**
   * Arms the next automatic refresh for `token` (see token-expiry.ts for when). A refresh that
   * fails is tried again while the token lasts; after that the server closes with 4004.
   */
  private scheduleRefresh(token: string): void {
    clearTimeout(this.refreshTimer);
    const expiresAt = tokenExpiresAt(token);
    const getToken = this.refreshToken;
    if (!getToken || expiresAt === undefined || !this.isOpen) return;
    const delay = Math.min(refreshDelayMs(expiresAt), MAX_TIMER_MS);
    this.refreshTimer = setTimeout(() => {
      if (delay === MAX_TIMER_MS) return this.scheduleRefresh(token);
      getToken()
        .then((fresh) => this.refresh(fresh))
        .catch(() => {
          if (this.isOpen && expiresAt - Date.now() > MIN_TOKEN_LIFE_MS)
            this.refreshTimer = setTimeout(() => this.scheduleRefresh(token), MIN_TOKEN_LIFE_MS / 2);
        });
    }, delay);
  }

  private request(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = `c${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${String(msg.type)} timed out`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.send(this.codec.encode({ ...msg, id }));
    });
  }

  private onFrame(text: string): void {
    if (text.startsWith(BATCH_HEAD)) {
      for (const event of splitBatch(text)) this.onFrame(event);
      return;
    }
    this.rawHandler?.(text);
    if (this.rawHandler && this.pending.size === 0 && this.frameListeners === 0) return;
    this.onMessage(JSON.parse(text) as Record<string, unknown>);
  }

  /** One decoded message (a batch's events one by one). */
  private onMessage(message: Record<string, unknown>): void {
    if (message.type === 'batch' && Array.isArray(message.events)) {
      for (const event of message.events as Record<string, unknown>[]) this.onMessage(event);
      return;
    }
    const frame = message as Record<string, unknown> & { type: string; id?: string; seq?: number };
    if (typeof frame.seq === 'number' && frame.type !== 'welcome') this.lastSeq = Math.max(this.lastSeq, frame.seq);
    if (frame.type === 'welcome' && typeof frame.seq === 'number') this.lastSeq = frame.seq;
    const pending = frame.id !== undefined ? this.pending.get(frame.id) : undefined;
    if (pending) {
      this.pending.delete(frame.id!);
      clearTimeout(pending.timer);
      if (frame.type === 'error') {
        const { type: _t, code, message, id: _i, ...details } = frame as unknown as ErrorMessage;
        pending.reject(new MyRoomRequestError(code, message, details));
      } else {
        pending.resolve(frame);
      }
    } else if (frame.type === 'error') {
      this.emit('error', frame as unknown as ErrorMessage);
      return;
    }
    if (frame.type in EVENT_TYPES) this.emit(frame.type as keyof ClientEvents, frame as never);
  }

  private emit<K extends keyof ClientEvents>(type: K, payload: ClientEvents[K]): void {
    const set = this.handlers.get(type);
    if (set) for (const h of set) (h as Handler<ClientEvents[K]>)(payload);
  }
}

/** A token with less left than this is not worth connecting (or retrying a refresh) with. */
const MIN_TOKEN_LIFE_MS = 1000;
/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const EVENT_TYPES: Record<string, true> = {
  entered: true,
  moved: true,
  built: true,
  left: true,
  notice: true,
  said: true,
  welcome: true,
  'replay-end': true,
  replaced: true,
  kicked: true,
};

function codecOf(opts: MyRoomClientOptions): ClientCodec {
  if ((opts.codec ?? 'json') === 'json') return jsonClientCodec;
  const codec = opts.wireCodec;
  if (!codec || codec.name !== opts.codec)
    throw new Error(`codec "${opts.codec}" needs its implementation as wireCodec (connectNode passes it)`);
  return codec;
}

/** A binary frame's bytes: a Buffer from `ws`, an ArrayBuffer from a browser (binaryType 'arraybuffer'). */
function binaryOf(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new Error('unexpected binary frame data');
}

function defaultFactory(url: string, protocols: string[]): WebSocketLike {
  const Ctor = (globalThis as { WebSocket?: new (u: string, p: string[]) => WebSocketLike }).WebSocket;
  if (!Ctor) throw new Error('no global WebSocket here: pass createSocket (e.g. using the ws package)');
  return new Ctor(url, protocols);
}
