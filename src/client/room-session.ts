/**
 * A stay-in-the-room session on top of MyRoomClient, for the web client and for bots that should
 * survive a dropped connection: it connects, enters, keeps a RoomModel from server frames only,
 * and when the socket drops it reconnects with backoff and enters again with `resume` from the
 * last seq it saw. A socket replaced by another tab or process (close 4001) is not reconnected:
 * fighting over the avatar would never end; `takeOver()` does it on purpose. Nor is a socket
 * whose avatar an admin or the room's owner removed (`kicked`, close 4003), nor one whose token
 * expired (close 4004), unless the client can get a fresh token.
 */
import { backoffDelay, DEFAULT_BACKOFF, retryHintMs } from './backoff';
import { type MyRoomClient, MyRoomRequestError } from './myroom-client';
import type {
  BuildOp,
  Direction,
  KickedMessage,
  MovedEvent,
  RoomEvent,
  SaidEvent,
  WelcomeMessage,
} from '../protocol/messages';
import { RoomModel } from './room-model';
import {
  NotInRoomNowError,
  type RoomSessionEvents,
  type RoomSessionOptions,
  type StateChange,
  TokenExpiredError,
} from './room-session-types';

export type { ConnectionState, RoomSessionEvents, RoomSessionOptions, StateChange } from './room-session-types';
export { NotInRoomNowError, TokenExpiredError } from './room-session-types';

/** Request errors that another attempt cannot fix. */
const FATAL_CODES = new Set(['ROOM_NOT_FOUND', 'BAD_REQUEST', 'FORBIDDEN']);

export class RoomSession {
  readonly model = new RoomModel();
  private client?: MyRoomClient;
  private current: StateChange = { state: 'connecting', attempt: 0 };
  private readonly listeners: { [K in keyof RoomSessionEvents]: Set<(p: RoomSessionEvents[K]) => void> } = {
    state: new Set(),
    change: new Set(),
    error: new Set(),
    notice: new Set(),
    said: new Set(),
  };
  private running = false;
  private stopped = false;
  private gotReplaced = false;
  private gotKicked?: KickedMessage;
  private resyncing = false;
  private hintMs?: number;
  private wake?: () => void;
  private firstEntry?: { resolve: () => void; reject: (e: unknown) => void };

  constructor(private readonly opts: RoomSessionOptions) {}

  get state(): StateChange {
    return this.current;
  }

  get roomId(): string {
    return this.opts.roomId;
  }

  /** Starts connecting; resolves once in the room, rejects if it fails or stops before that. */
  start(): Promise<void> {
    const entered = new Promise<void>((resolve, reject) => {
      this.firstEntry = { resolve, reject };
    });
    void this.run(false);
    return entered;
  }

  /** After `replaced`: enter again here, which in turn replaces the other tab. */
  takeOver(): void {
    if (this.current.state !== 'replaced' && this.current.state !== 'failed' && this.current.state !== 'kicked') return;
    this.gotReplaced = false;
    this.gotKicked = undefined;
    void this.run(false);
  }

  /** One step; resolves with its confirmation (the mover's own `moved`), rejects with BLOCKED etc. */
  move(dir: Direction): Promise<MovedEvent> {
    const client = this.inRoom();
    if (!client) return Promise.reject(new NotInRoomNowError());
    return client.move(dir).catch((err: unknown) => {
      // The server lost our avatar (e.g. its state was reset): enter again.
      if (err instanceof MyRoomRequestError && err.code === 'NOT_IN_ROOM') this.resync(client);
      throw err;
    });
  }

  /** Says a line in the room; resolves with its `said` (the model has it too once applied). */
  say(text: string): Promise<SaidEvent> {
    const client = this.inRoom();
    return client ? client.say(text) : Promise.reject(new NotInRoomNowError());
  }

  /** One build on the map version the model has now (or on `baseVersion`). */
  build(ops: BuildOp[], baseVersion = this.model.map.version): Promise<void> {
    const client = this.inRoom();
    return client ? client.build(baseVersion, ops) : Promise.reject(new NotInRoomNowError());
  }

  /** Leaves the room (reason `leave`) and closes; no more reconnects. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen && this.current.state === 'in-room') await client.leave().catch(() => undefined);
    client?.close(1000);
    this.model.clear();
    this.setState({ state: 'closed', attempt: 0 });
  }

  on<K extends keyof RoomSessionEvents>(type: K, handler: (payload: RoomSessionEvents[K]) => void): () => void {
    const set = this.listeners[type] as Set<(p: RoomSessionEvents[K]) => void>;
    set.add(handler);
    return () => set.delete(handler);
  }

  // ---- connection loop ------------------------------------------------------------------------

  /** Connect-and-enter attempts until one succeeds, a fatal error, or stop(). Runs once at a time. */
  private async run(afterDrop: boolean): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    // Waits so far: the n-th wait is backoffDelay(n), so the delays grow from one failure to the next.
    let waits = 0;
    try {
      if (afterDrop) await this.pause(waits++, undefined);
      while (!this.stopped) {
        if (waits === 0) this.setState({ state: 'connecting', attempt: 0 });
        try {
          await this.attempt();
          this.firstEntry?.resolve();
          this.firstEntry = undefined;
          return;
        } catch (err) {
          if (this.stopped) return;
          const fatal = err instanceof MyRoomRequestError && FATAL_CODES.has(err.code);
          if (fatal || !(await this.canRetry(err))) {
            this.setState({ state: 'failed', attempt: waits, error: err });
            this.firstEntry?.reject(err);
            this.firstEntry = undefined;
            return;
          }
          await this.pause(waits++, err);
        }
      }
    } finally {
      this.running = false;
      if (this.stopped && this.firstEntry) {
        this.firstEntry.reject(new Error('stopped before entering'));
        this.firstEntry = undefined;
      }
    }
  }

  private async pause(attempt: number, error: unknown): Promise<void> {
    const delay = Math.max(backoffDelay(attempt, this.opts.backoff ?? DEFAULT_BACKOFF), this.hintMs ?? 0);
    this.hintMs = undefined;
    this.setState({
      state: 'reconnecting',
      attempt: attempt + 1,
      retryInMs: delay,
      error,
      closeCode: this.current.closeCode,
    });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async canRetry(err: unknown): Promise<boolean> {
    try {
      return this.opts.canRetry ? await this.opts.canRetry(err) : true;
    } catch {
      return true;
    }
  }

  private async attempt(): Promise<void> {
    const client = await this.opts.connect();
    if (this.stopped) {
      client.close(1000);
      return;
    }
    this.client = client;
    this.gotReplaced = false;
    this.gotKicked = undefined;
    client.on('welcome', (w) => this.onWelcome(client, w));
    for (const type of ['entered', 'moved', 'built', 'left', 'notice', 'said'] as const) {
      client.on(type, (e: RoomEvent) => this.onEvent(client, e));
    }
    client.on('replaced', () => {
      if (client === this.client) this.gotReplaced = true;
    });
    client.on('kicked', (k) => {
      if (client === this.client) this.gotKicked = k;
    });
    client.on('error', (e) => {
      if (client === this.client) this.emit('error', e);
    });
    client.on('close', (ev) => this.onClose(client, ev.code, ev.reason));
    const resume = this.model.isReady && this.model.roomId === this.opts.roomId ? this.resumePoint() : undefined;
    try {
      await client.enter(this.opts.roomId, { as: this.opts.as ?? 'player', ...(resume ? { resume } : {}) });
    } catch (err) {
      if (this.client === client) this.client = undefined;
      client.close(1000);
      throw err;
    }
    if (this.client === client) this.setState({ state: 'in-room', attempt: 0 });
  }

  private onWelcome(client: MyRoomClient, welcome: WelcomeMessage): void {
    if (client !== this.client) return;
    this.resyncing = false;
    this.model.reset(welcome);
    this.emit('change', welcome);
  }

  private onEvent(client: MyRoomClient, event: RoomEvent): void {
    if (client !== this.client) return;
    const result = this.model.apply(event);
    if (result === 'applied') {
      this.emit('change', event);
      if (event.type === 'notice') this.emit('notice', event);
      if (event.type === 'said') this.emit('said', event);
    } else if (result === 'gap') this.resync(client);
  }

  /** Where the model stands: its seq, in its epoch when the server named one. */
  private resumePoint(): { seq: number; epoch?: string } {
    return this.model.epoch ? { seq: this.model.seq, epoch: this.model.epoch } : { seq: this.model.seq };
  }

  /** Missed an event: enter again with resume; the fresh welcome replaces the model. */
  private resync(client: MyRoomClient): void {
    if (this.resyncing) return;
    this.resyncing = true;
    client.enter(this.opts.roomId, { as: this.opts.as ?? 'player', resume: this.resumePoint() }).catch(() => {
      // The socket is in trouble: closing it lets the reconnect loop take over.
      this.resyncing = false;
      client.close(4000);
    });
  }

  private onClose(client: MyRoomClient, code: number, reason: string): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.resyncing = false;
    if (this.stopped) return;
    if (code === 4003 || this.gotKicked) {
      // Coming back on our own would undo what the admin or owner just did.
      this.setState({
        state: 'kicked',
        attempt: 0,
        closeCode: code,
        ...(this.gotKicked ? { kicked: this.gotKicked } : {}),
      });
      return;
    }
    if (code === 4001 || this.gotReplaced) {
      // The model stays as last seen (a view may keep showing it, marked as not live).
      this.setState({ state: 'replaced', attempt: 0, closeCode: code });
      return;
    }
    if (code === 4004 && !client.canRefresh) {
      this.setState({ state: 'failed', attempt: 0, closeCode: code, error: new TokenExpiredError() });
      return;
    }
    if (code === 1012) this.hintMs = retryHintMs(reason);
    this.current = { ...this.current, closeCode: code };
    void this.run(true);
  }

  private inRoom(): MyRoomClient | undefined {
    return this.current.state === 'in-room' ? this.client : undefined;
  }

  private setState(change: StateChange): void {
    this.current = change;
    this.emit('state', change);
  }

  private emit<K extends keyof RoomSessionEvents>(type: K, payload: RoomSessionEvents[K]): void {
    for (const h of this.listeners[type]) (h as (p: RoomSessionEvents[K]) => void)(payload);
  }
}
