import type { WebSocket, WebSocketServer } from 'ws';
import { sessionOf } from '../client-session';

/** At most this many slices: enough to spread 10,000 sockets to a few hundred pings a tick. */
const MAX_SLICES = 16;
/** Ticks no closer than this: a short interval (tests use 100 ms) keeps one slice, one tick. */
const MIN_TICK_MS = 100;

/** How many slices a heartbeat of `intervalMs` pings its sockets in. */
export function heartbeatSlices(intervalMs: number): number {
  return Math.max(1, Math.min(MAX_SLICES, Math.floor(intervalMs / MIN_TICK_MS)));
}

/**
 * Pings every socket of `server` once each `intervalMs`. A session that answered nothing since
 * its previous ping (no pong, no frame: both set `alive`) is terminated with reason `timeout`, so
 * its avatar leaves even when the network dropped the connection without a FIN. Returns the stop.
 *
 * The sockets are pinged a slice at a time (heartbeatSlices), not all in one tick: each ping is a
 * write of its own, and a thousand of them at once held the event loop for about 35 ms every
 * interval, long enough to show in the rooms benchmark's p99 (README, Performance).
 */
export function startHeartbeat(server: WebSocketServer, intervalMs: number): () => void {
  return visitOncePerInterval(() => server.clients, intervalMs, checkAndPing);
}

function checkAndPing(ws: WebSocket): void {
  const session = sessionOf(ws);
  if (!session) return;
  if (!session.alive) {
    session.closeReason = 'timeout';
    session.log.info({ room: session.seat?.roomId }, 'missed pings: timing out');
    ws.terminate();
    return;
  }
  session.alive = false;
  ws.ping();
}

/**
 * Calls `visit` for each of `items()` once per `intervalMs`, a slice of them per tick. Each item
 * keeps the slice it got when first seen (dealt round-robin, so slices stay even), so its visits
 * are one whole interval apart however the set changes meanwhile: the heartbeat never checks a
 * socket for a pong sooner than an interval after its ping. Returns the stop.
 */
export function visitOncePerInterval<T extends object>(
  items: () => Iterable<T>,
  intervalMs: number,
  visit: (item: T) => void,
): () => void {
  const slices = heartbeatSlices(intervalMs);
  const sliceOf = new WeakMap<T, number>();
  let dealt = 0;
  let tick = 0;
  const timer = setInterval(
    () => {
      const current = tick++ % slices;
      for (const item of items()) {
        let slice = sliceOf.get(item);
        if (slice === undefined) {
          slice = dealt++ % slices;
          sliceOf.set(item, slice);
        }
        if (slice === current) visit(item);
      }
    },
    Math.round(intervalMs / slices),
  );
  // The heartbeat alone must not keep a process alive that is otherwise done.
  timer.unref();
  return () => clearInterval(timer);
}
