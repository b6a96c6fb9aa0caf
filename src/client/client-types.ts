import type { ClientCodec } from './client-codec';
import type {
  BuiltEvent,
  EnteredEvent,
  ErrorMessage,
  KickedMessage,
  LeftEvent,
  MovedEvent,
  NoticeEvent,
  SaidEvent,
  ReplacedMessage,
  ReplayEndMessage,
  WelcomeMessage,
} from '../protocol/messages';

/** The part of the WebSocket API we use: the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string | Uint8Array): void;
  /** Set to 'arraybuffer' for MessagePack (the browser's default would be a Blob). */
  binaryType?: string;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

export interface MyRoomClientOptions {
  /** e.g. ws://localhost:3000/ws */
  url: string;
  token: string;
  /** How to open a socket; defaults to the global WebSocket (browsers, Node ≥ 22). */
  createSocket?: WebSocketFactory;
  requestTimeoutMs?: number;
  /** A socket not open by then is closed and connect() rejects. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * Gets a fresh token for the same user (e.g. from the sign-in that gave the first one). With it,
   * the client sends `refresh` ahead of each token's `exp`, so the server never closes the socket
   * with 4004; connect() also uses it when `token` has already expired.
   */
  refreshToken?: () => Promise<string>;
  /**
   * Ask for batched frames (subprotocol `myroom.v1.batch`): the server sends the room events of
   * one of its turns as one frame, which costs it (and the network) less. Unpacked here: handlers
   * (and `onRaw`) still see one event at a time, in order. Default false.
   */
  batch?: boolean;
  /**
   * The wire codec (PROTOCOL.md §1a): `json` (default) or `msgpack`, binary frames of the same
   * messages. `msgpack` needs its implementation as `wireCodec`; `connectNode` passes it.
   */
  codec?: 'json' | 'msgpack';
  /** The codec's implementation, when it is not JSON (see `codec`). */
  wireCodec?: ClientCodec;
}

export class MyRoomRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(`${code}: ${message}`);
    this.name = 'MyRoomRequestError';
  }
}

export interface ClientEvents {
  entered: EnteredEvent;
  moved: MovedEvent;
  built: BuiltEvent;
  left: LeftEvent;
  /** Pushed into the room by an admin or its owner; it has a seq like the other room events. */
  notice: NoticeEvent;
  /** A chat line; our own `say` resolves with its copy (which carries the request's id). */
  said: SaidEvent;
  welcome: WelcomeMessage;
  /** A replay sent its last event (its welcome came as `welcome`, with `replay: true`). */
  'replay-end': ReplayEndMessage;
  replaced: ReplacedMessage;
  /** An admin or the room's owner removed our avatar; the socket closes with 4003 right after. */
  kicked: KickedMessage;
  /** An `error` frame that answers no pending request (e.g. RATE_LIMITED). */
  error: ErrorMessage;
  close: { code: number; reason: string };
}
