import type { LiveRoomSummary } from './api-types';

/** A look at the live rooms, kept to tell the events/s of the next one. */
export interface RoomSeqs {
  atMs: number;
  seqs: ReadonlyMap<string, number>;
}

export function roomSeqs(rooms: readonly LiveRoomSummary[], atMs: number): RoomSeqs {
  return { atMs, seqs: new Map(rooms.map((r) => [r.roomId, r.seq])) };
}

/**
 * Room events per second between two looks, from the rooms' `seq` (every room event takes the
 * next one). Only rooms live in both count: a room that just filled has no earlier seq to compare,
 * and one that emptied has no later one. A seq that went back (the room's state was lost and
 * restarted) counts as nothing rather than as a negative rate. Null when there is no earlier look.
 */
export function eventsPerSecond(before: RoomSeqs | undefined, after: RoomSeqs): number | null {
  if (!before || after.atMs <= before.atMs) return null;
  let events = 0;
  for (const [roomId, seq] of after.seqs) {
    const was = before.seqs.get(roomId);
    if (was !== undefined && seq > was) events += seq - was;
  }
  return Math.round((events * 10_000) / (after.atMs - before.atMs)) / 10;
}
