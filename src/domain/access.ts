/**
 * Who may enter a room, as its owner set it (PUT /api/rooms/:roomId/access, .../bans/:userId):
 * a banned user never; in a private room only the owner and the users on its allow list; in a
 * public room anyone. The owner cannot be banned from their own room, so they always may enter.
 */
export type AccessMode = 'public' | 'private';
export const ACCESS_MODES = ['public', 'private'] as const satisfies readonly AccessMode[];

export interface RoomAccess {
  mode: AccessMode;
  /** Who may enter a private room besides its owner. */
  allow: string[];
  banned: string[];
}

export const OPEN_ACCESS: RoomAccess = { mode: 'public', allow: [], banned: [] };

export type EntryVerdict = { ok: true } | { ok: false; reason: 'banned' | 'private' };

export function mayEnter(access: RoomAccess, ownerId: string, userId: string): EntryVerdict {
  if (userId === ownerId) return { ok: true };
  if (access.banned.includes(userId)) return { ok: false, reason: 'banned' };
  if (access.mode === 'private' && !access.allow.includes(userId)) return { ok: false, reason: 'private' };
  return { ok: true };
}
