/**
 * The limit: a bare `ws` server that parses a move, updates a Map and broadcasts one serialized
 * message to the room. No validation, no storage, no auth check (it only reads `sub` from the
 * token so bots keep their ids). It speaks just enough of PROTOCOL.md (`enter` → `welcome`,
 * `move` → `moved`, `leave` → `left`) for the same bot to drive it. A measuring stick, not a server.
 *
 * Two entry points share it and differ only in how a frame reaches a socket: `server.ts` calls
 * `ws.send` once per frame, `../bare-ws-corked/server.ts` coalesces a turn's frames per socket.
 *
 * Env: PORT (required).
 */
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

interface Player {
  userId: string;
  name: string;
  x: number;
  y: number;
  role: 'player';
}
interface Room {
  id: string;
  idJson: string;
  seq: number;
  sockets: Set<WebSocket>;
  players: Map<string, Player>;
}
interface Conn {
  userId: string;
  room?: Room;
}

const WIDTH = 20;
const HEIGHT = 20;
const DELTA: Record<string, [number, number]> = { up: [0, -1], right: [1, 0], down: [0, 1], left: [-1, 0] };

const rooms = new Map<string, Room>();
const conns = new WeakMap<WebSocket, Conn>();

function userOf(protocols: string | undefined): string {
  const bearer = (protocols ?? '')
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith('bearer.'));
  if (!bearer) return 'anon';
  const payload = bearer.slice('bearer.'.length).split('.')[1] ?? '';
  return String((JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string }).sub);
}

/** Writes one text frame to one socket. */
export type Deliver = (ws: WebSocket, text: string) => void;

let deliver: Deliver = (ws, text) => ws.send(text);

function broadcast(room: Room, text: string): void {
  for (const s of room.sockets) deliver(s, text);
}

function leave(ws: WebSocket, conn: Conn, reason: string): void {
  const room = conn.room;
  if (!room) return;
  conn.room = undefined;
  room.sockets.delete(ws);
  room.players.delete(conn.userId);
  broadcast(
    room,
    `{"type":"left","roomId":${room.idJson},"seq":${++room.seq},"userId":${JSON.stringify(conn.userId)},"reason":"${reason}"}`,
  );
}

export function serve(send?: Deliver): void {
  if (send) deliver = send;
  const http = createServer((_req, res) => res.end('ok'));
  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    perMessageDeflate: false,
    handleProtocols: (p) => (p.has('myroom.v1') ? 'myroom.v1' : false),
  });

  wss.on('connection', (ws, req) => {
    const conn: Conn = { userId: userOf(req.headers['sec-websocket-protocol']) };
    conns.set(ws, conn);
    ws.on('close', () => leave(ws, conn, 'disconnect'));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; id?: string; roomId?: string; dir?: string };
      if (msg.type === 'move' && conn.room) {
        const room = conn.room;
        const p = room.players.get(conn.userId)!;
        const d = DELTA[msg.dir!];
        p.x += d[0];
        p.y += d[1];
        broadcast(
          room,
          `{"type":"moved","roomId":${room.idJson},"seq":${++room.seq},"userId":${JSON.stringify(conn.userId)},"x":${p.x},"y":${p.y},"dir":"${msg.dir}"}`,
        );
      } else if (msg.type === 'enter') {
        leave(ws, conn, 'leave');
        const id = msg.roomId!;
        let room = rooms.get(id);
        if (!room)
          rooms.set(id, (room = { id, idJson: JSON.stringify(id), seq: 0, sockets: new Set(), players: new Map() }));
        const member: Player = { userId: conn.userId, name: conn.userId, x: 0, y: 0, role: 'player' };
        room.players.set(conn.userId, member);
        broadcast(
          room,
          `{"type":"entered","roomId":${room.idJson},"seq":${++room.seq},"member":${JSON.stringify(member)}}`,
        );
        room.sockets.add(ws);
        conn.room = room;
        deliver(
          ws,
          JSON.stringify({
            type: 'welcome',
            id: msg.id,
            roomId: id,
            seq: room.seq,
            you: { userId: conn.userId, role: 'player', owner: conn.userId === id },
            map: { version: 0, width: WIDTH, height: HEIGHT, objects: [] },
            members: [...room.players.values()],
            spectators: 0,
          }),
        );
      } else if (msg.type === 'leave') {
        leave(ws, conn, 'leave');
        deliver(ws, JSON.stringify({ type: 'ack', id: msg.id }));
      } else {
        deliver(
          ws,
          JSON.stringify({
            type: 'error',
            code: 'BAD_REQUEST',
            message: `${msg.type} is not supported here`,
            id: msg.id,
          }),
        );
      }
    });
  });

  http.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));

  // Forked by the bench tool: go when it goes.
  process.on('disconnect', () => process.exit(0));
}
