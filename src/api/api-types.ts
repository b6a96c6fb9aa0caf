/**
 * Shapes of the small HTTP API under /api that the web client uses (types only, so the browser
 * bundle can import them). Everything the room itself does goes over the WebSocket protocol.
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
