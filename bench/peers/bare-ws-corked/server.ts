/**
 * The bare-ws limit with its writes coalesced, the best a plain Node + `ws` server can do: the
 * first frame a socket gets in an event-loop turn corks its TCP socket, and one `setImmediate`
 * per turn uncorks them all, so the frames of a turn leave in one write (writev) per socket
 * instead of one write each. Everything else is `../bare-ws/serve.ts`, unchanged. Env: PORT.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { serve } from '../bare-ws/serve';

const corked: Socket[] = [];

function uncorkAll(): void {
  for (const s of corked) s.uncork();
  corked.length = 0;
}

/** `_socket` is the TCP socket under a `ws` WebSocket: not in its types, stable since ws 1. */
const tcp = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket;

serve((ws, text) => {
  const s = tcp(ws);
  if (s.writableCorked === 0) {
    if (corked.length === 0) setImmediate(uncorkAll);
    s.cork();
    corked.push(s);
  }
  ws.send(text);
});
