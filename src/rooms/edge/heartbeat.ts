import type { WebSocketServer } from 'ws';
import { sessionOf } from '../client-session';

/**
 * Pings every socket of `server` each `intervalMs`. A session that answered nothing since the
 * previous tick (no pong, no frame: both set `alive`) is terminated with reason `timeout`, so its
 * avatar leaves even when the network dropped the connection without a FIN. Returns the stop.
 */
export function startHeartbeat(server: WebSocketServer, intervalMs: number): () => void {
  const timer = setInterval(() => {
    for (const ws of server.clients) {
      const session = sessionOf(ws);
      if (!session) continue;
      if (!session.alive) {
        session.closeReason = 'timeout';
        session.log.info({ room: session.seat?.roomId }, 'missed pings: timing out');
        ws.terminate();
        continue;
      }
      session.alive = false;
      ws.ping();
    }
  }, intervalMs);
  // The heartbeat alone must not keep a process alive that is otherwise done.
  timer.unref();
  return () => clearInterval(timer);
}
