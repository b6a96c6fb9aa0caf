import type { Member, RoomMap, SaidEvent } from '../protocol/messages';
import type { InstanceStats } from '../state/instance-stats.port';

/**
 * Shapes of the small HTTP API under /api that the web client uses (types only, so the browser
 * bundle can import them). Everything the room itself does goes over the WebSocket protocol;
 * operators and game backends also read rooms and act on them here.
 */

export interface UserSummary {
  userId: string;
  name: string;
}

/** `POST /api/dev/token` (only when DEV_TOKENS is on). */
export interface DevTokenResponse {
  token: string;
  user: UserSummary;
  expiresInSeconds: number;
}

/** `GET /api/dev/users` (only when DEV_TOKENS is on): who the demo sign-in may pick. */
export interface DevUsersResponse {
  users: UserSummary[];
  /** Whether `POST /api/dev/token` may be asked for `admin: true` (DEV_ADMIN_TOKENS). */
  adminTokens?: boolean;
}

/** `GET /api/me`: who the bearer token says you are, and your own room when you have one. */
export interface MeResponse {
  user: UserSummary;
  roomId: string | null;
}

export interface RoomSummary {
  roomId: string;
  owner: UserSummary;
}

/** `GET /api/rooms` */
export interface RoomsResponse {
  rooms: RoomSummary[];
}

export interface GameSummary {
  id: number;
  name: string;
}

/**
 * `GET /api/rooms/:roomId`: the room's owner and the games of the owner's library (the build
 * palette, and the names to write on game objects).
 */
export interface RoomInfoResponse extends RoomSummary {
  games: GameSummary[];
}

// ---- Operators and game backends (admin, or a room's owner) -------------------------------------

/** A room with live players, as an admin sees it in `GET /api/rooms`. */
export interface LiveRoomSummary extends RoomSummary {
  /** Avatars in the room. */
  players: number;
  spectators: number;
  /** The room's last seq. */
  seq: number;
  /** The cached map's version (null if the cache lost it). */
  version: number | null;
  /** Instances holding the room's sessions. */
  instances: string[];
}

/** `GET /api/rooms` for an admin: every room with live players, most players first. */
export interface LiveRoomsResponse {
  rooms: LiveRoomSummary[];
}

/** `GET /api/rooms/:roomId/state`: the room as a `welcome` shows it. */
export interface RoomStateResponse {
  roomId: string;
  seq: number;
  map: RoomMap;
  members: Member[];
  spectators: number;
}

/** `POST /api/rooms/:roomId/notices` (202). */
export interface NoticeAccepted {
  roomId: string;
  seq: number;
}

/** `POST /api/rooms/:roomId/kick` (202): the avatar left with this seq; the socket is being closed. */
/** A room's entry rules (GET and PUT /api/rooms/:roomId/access). */
export interface RoomAccessResponse {
  roomId: string;
  mode: 'public' | 'private';
  allow: string[];
  banned: string[];
}

/** PUT / DELETE /api/rooms/:roomId/bans/:userId; `kickedSeq`: the seq of the `left` when the user was inside. */
export interface BanResponse {
  roomId: string;
  userId: string;
  banned: boolean;
  kickedSeq?: number;
}

export interface KickAccepted {
  roomId: string;
  userId: string;
  seq: number;
}

/** `GET /api/instances` */
export interface InstancesResponse {
  instances: InstanceStats[];
}

/** Figures across every live instance, in each `GET /api/admin/stream` snapshot. */
export interface AdminTotals {
  /** Avatars in rooms, on every instance. */
  players: number;
  spectators: number;
  rooms: number;
  instances: number;
  /** Room events per second since the previous snapshot (from the rooms' seq); null on the first. */
  eventsPerSecond: number | null;
}

/** `GET /api/admin/stream` (admin): one server-sent `snapshot` event a second. */
export interface AdminSnapshot {
  /** ISO 8601: when it was taken. */
  at: string;
  /** The instance that answers this stream. */
  servedBy: string;
  instances: InstanceStats[];
  rooms: LiveRoomSummary[];
  totals: AdminTotals;
}

/** `GET /api/rooms/:roomId/chat`: a page of the room's chat history, oldest first. */
export interface ChatPage {
  roomId: string;
  chat: SaidEvent[];
}
