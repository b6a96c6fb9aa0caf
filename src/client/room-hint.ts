/**
 * The socket URL with the room the client is about to enter (`?room=<roomId>`, PROTOCOL.md §1).
 * The server ignores it; a gateway with room affinity (docker/haproxy.cfg) uses it to put the
 * room's players on one instance. Other query parameters of the URL are kept.
 */
export function withRoomHint(url: string, roomId: string): string {
  const u = new URL(url);
  u.searchParams.set('room', roomId);
  return u.toString();
}
