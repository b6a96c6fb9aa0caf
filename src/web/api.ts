/** The page's calls to /api and where it keeps its token (per tab: sessionStorage). */
import { withRoomHint } from '../client/room-hint';
import type {
  DevTokenResponse,
  DevUsersResponse,
  GameSummary,
  MeResponse,
  RoomInfoResponse,
  RoomsResponse,
  UserSummary,
} from '../api/api-types';

export type { GameSummary, MeResponse, RoomInfoResponse, RoomSummary, UserSummary } from '../api/api-types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init.headers } });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check that it is running, then reload.');
  }
  if (!res.ok) {
    // /api errors are RFC 9457 problems: `detail` says what went wrong.
    const body = (await res.json().catch(() => ({}))) as { detail?: unknown; message?: unknown };
    const detail =
      typeof body.detail === 'string' ? body.detail : typeof body.message === 'string' ? body.message : res.statusText;
    throw new ApiError(res.status, detail);
  }
  return (await res.json()) as T;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The demo users, or null when the server has the development sign-in switched off. */
export async function devUsers(): Promise<UserSummary[] | null> {
  try {
    return (await call<DevUsersResponse>('/api/dev/users')).users;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export function devToken(userId: string): Promise<DevTokenResponse> {
  return call<DevTokenResponse>('/api/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
}

export function me(token: string): Promise<MeResponse> {
  return call<MeResponse>('/api/me', { headers: bearer(token) });
}

export async function rooms(token: string): Promise<RoomsResponse['rooms']> {
  return (await call<RoomsResponse>('/api/rooms', { headers: bearer(token) })).rooms;
}

export function roomInfo(token: string, roomId: string): Promise<RoomInfoResponse> {
  return call<RoomInfoResponse>(`/api/rooms/${encodeURIComponent(roomId)}`, { headers: bearer(token) });
}

/** True when the server refuses the token outright (expired, or signed with another secret). */
export async function tokenRefused(token: string): Promise<boolean> {
  try {
    await me(token);
    return false;
  } catch (err) {
    return err instanceof ApiError && err.status === 401;
  }
}

export function gameNames(games: readonly GameSummary[]): Map<number, string> {
  return new Map(games.map((g) => [g.id, g.name]));
}

const TOKEN_KEY = 'myroom.token';
/** The demo user a token came from, so that a reloaded page can still get fresh ones. */
const DEV_USER_KEY = 'myroom.devUser';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  devUser: (): string | null => sessionStorage.getItem(DEV_USER_KEY),
  setDevUser: (userId: string | null) => {
    if (userId === null) sessionStorage.removeItem(DEV_USER_KEY);
    else sessionStorage.setItem(DEV_USER_KEY, userId);
  },
  clear: () => {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(DEV_USER_KEY);
  },
};

/** ws(s)://<this host>/ws, with the room about to be entered as the gateway's hint when there is one. */
export function socketUrl(roomId?: string, loc: Location = location): string {
  const url = `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
  return roomId === undefined ? url : withRoomHint(url, roomId);
}

/** A room's entry rules (owner or admin). */
export interface RoomAccess {
  roomId: string;
  mode: 'public' | 'private';
  allow: string[];
  banned: string[];
}

const json = (token: string, method: string, body?: unknown): RequestInit => ({
  method,
  headers: { ...bearer(token), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
  ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
});
const roomPath = (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}`;

export function readAccess(token: string, roomId: string): Promise<RoomAccess> {
  return call(`${roomPath(roomId)}/access`, { headers: bearer(token) });
}

export function setAccess(
  token: string,
  roomId: string,
  mode: RoomAccess['mode'],
  allow: string[],
): Promise<RoomAccess> {
  return call(`${roomPath(roomId)}/access`, json(token, 'PUT', { mode, allow }));
}

export function kick(token: string, roomId: string, userId: string): Promise<unknown> {
  return call(`${roomPath(roomId)}/kick`, json(token, 'POST', { userId }));
}

export function ban(token: string, roomId: string, userId: string): Promise<unknown> {
  return call(`${roomPath(roomId)}/bans/${encodeURIComponent(userId)}`, json(token, 'PUT'));
}
