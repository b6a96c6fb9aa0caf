import type { BackoffOptions } from './backoff';
import type { MyRoomClient } from './myroom-client';
import type {
  ErrorMessage,
  KickedMessage,
  NoticeEvent,
  Role,
  RoomEvent,
  SaidEvent,
  WelcomeMessage,
} from '../protocol/messages';

/** The states, options, events and errors of a RoomSession (room-session.ts). */
export type ConnectionState =
  /** First connection to the room under way. */
  | 'connecting'
  | 'in-room'
  /** The connection dropped (or an attempt failed); the next attempt comes after a delay. */
  | 'reconnecting'
  /** The same user entered this room from another tab or process: this session gave way. */
  | 'replaced'
  /** An admin or the room's owner removed this avatar (close 4003); `kicked` says why. */
  | 'kicked'
  /** Entering failed for a reason retrying will not fix (no such room, token refused…). */
  | 'failed'
  /** stop() was called. */
  | 'closed';

export interface StateChange {
  state: ConnectionState;
  /** Failed attempts since the last time we were in the room. */
  attempt: number;
  /** When reconnecting: how long until the next attempt. */
  retryInMs?: number;
  /** Why: the failed attempt's error, or the close code of a dropped connection. */
  error?: unknown;
  closeCode?: number;
  /** When kicked: the server's `kicked` message. */
  kicked?: KickedMessage;
}

export interface RoomSessionOptions {
  /**
   * Opens a new connection, e.g. () => MyRoomClient.connect({ url, token, refreshToken }). With
   * `refreshToken` the client keeps its token fresh, and after its token expired anyway (close
   * 4004) the session reconnects with a new one; without, it stops there (state `failed`,
   * error TokenExpiredError).
   */
  connect: () => Promise<MyRoomClient>;
  roomId: string;
  as?: Role;
  backoff?: BackoffOptions;
  /** Asked after a failed attempt; false gives up (state `failed`), e.g. when the token was refused. */
  canRetry?: (err: unknown) => boolean | Promise<boolean>;
}

export interface RoomSessionEvents {
  state: StateChange;
  /** The model changed: a welcome (full room) or one applied event. */
  change: WelcomeMessage | RoomEvent;
  /** An error frame no request was waiting for (e.g. RATE_LIMITED). */
  error: ErrorMessage;
  /** A notice pushed into the room (also in `model.notices`, and emitted as a `change`). */
  notice: NoticeEvent;
  /** A chat line said in the room (also in `model.chat`, and emitted as a `change`). */
  said: SaidEvent;
}

/** A request made while the session is connecting, reconnecting or closed. */
export class NotInRoomNowError extends Error {
  constructor() {
    super('not in the room right now');
    this.name = 'NotInRoomNowError';
  }
}

/** The server closed the socket because its token expired (4004), and no fresh one can be had. */
export class TokenExpiredError extends Error {
  constructor() {
    super('the sign-in expired; sign in again');
    this.name = 'TokenExpiredError';
  }
}
