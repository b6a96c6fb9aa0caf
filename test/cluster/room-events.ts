import type { Frame, TestClient } from '../support/client';

export const EVENT_TYPES = new Set(['entered', 'moved', 'built', 'left']);
export const DIRS = ['right', 'down', 'left', 'up'] as const;

/** The room events a client received, in arrival order. */
export function roomEvents(c: TestClient, roomId: string): Frame[] {
  return c.frames.filter((f) => EVENT_TYPES.has(f.type) && f.roomId === roomId);
}

/** An event as every receiver must see it (the mover's copy also carries its request id). */
export function canonical(f: Frame): string {
  const { id: _id, ...rest } = f;
  return JSON.stringify(rest);
}

/**
 * Checks what PROTOCOL.md promises every client of a room: events in `seq` order, each once,
 * with no gap, starting right after the client's welcome.
 */
export function expectGapFreeOrder(c: TestClient, roomId: string, welcomeSeq: number, label: string): number[] {
  const seqs = roomEvents(c, roomId).map((f) => f.seq as number);
  const expected = seqs.map((_, i) => welcomeSeq + 1 + i);
  if (JSON.stringify(seqs) !== JSON.stringify(expected)) {
    throw new Error(`${label}: seqs are not ${welcomeSeq + 1}.. in order without gaps: ${JSON.stringify(seqs)}`);
  }
  return seqs;
}

/** Waits until the client has received the event with `seq` (or later) of the room. */
export function seenSeq(c: TestClient, roomId: string, seq: number, timeoutMs = 10_000): Promise<Frame> {
  return c.next((f) => EVENT_TYPES.has(f.type) && f.roomId === roomId && (f.seq as number) >= seq, timeoutMs);
}
