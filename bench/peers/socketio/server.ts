/**
 * Peer: a Socket.IO 4 server with the same room as the Colyseus peer, written the way most Node
 * users write one: JWT checked in a connection middleware, one Socket.IO room per game room,
 * events sent with `io.to(room).emit(...)` (every player of the room, the mover included, gets
 * each move, as on the other servers), requests answered through acknowledgements.
 *
 * The rules are the shared pure functions our server and the Colyseus peer use (20 × 20 grid,
 * one-cell steps, bounds and collision, owner builds with pushes). State lives in memory.
 *
 * Transport: WebSocket only (`transports: ['websocket']`), so no HTTP long-polling handshake or
 * upgrade: a polling request is refused with 400, and the bots connect with the same setting.
 * permessage-deflate is off, as on every server of the bench.
 *
 * Wire (Socket.IO v5 over Engine.IO v4, what the bots' adapter reads):
 *   client → `enter` {roomId} (ack: welcome), `move` dir, `build` {baseVersion, ops} (ack), `leave` (ack)
 *   server → `moved` {seq, userId, x, y, dir}, `entered` {seq, member}, `left` {seq, userId, reason},
 *            `built` {seq, map, members}, `refused` {code, x, y} (a move that was not made)
 *
 * Env: PORT, JWT_SECRET.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { jwtVerify } from 'jose';
import { Server, type Socket } from 'socket.io';
import type { BuildOp, Direction, Member, RoomMap } from '../../../src/protocol/messages';
import { applyBuild } from '../../../src/domain/build';
import { nearestFreeCell, pushTargets } from '../../../src/domain/free-cell';
import { occupancy, SPAWN } from '../../../src/domain/map';
import { canStep } from '../../../src/domain/step';

const SECRET = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
const DIRS = new Set(['up', 'right', 'down', 'left']);

interface Grid {
  id: string;
  ownerId: string;
  map: RoomMap;
  grid: Uint8Array;
  seq: number;
  members: Map<string, Member>;
}

interface Data {
  userId: string;
  name: string;
  room?: Grid;
}

type Ack = (reply: unknown) => void;

const grids = new Map<string, Grid>();

const http = createServer((_req, res) => res.end('ok'));
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });

io.use((socket, next) => {
  const token = (socket.handshake.auth as { token?: string }).token ?? '';
  jwtVerify(token, SECRET, { algorithms: ['HS256'] }).then(
    ({ payload }) => {
      socket.data = {
        userId: String(payload.sub),
        name: (payload as { name?: string }).name ?? `user${payload.sub}`,
      } satisfies Data;
      next();
    },
    () => next(new Error('UNAUTHORIZED')),
  );
});

function leave(socket: Socket, reason: 'leave' | 'disconnect'): void {
  const d = socket.data as Data;
  const g = d.room;
  if (!g) return;
  d.room = undefined;
  void socket.leave(g.id);
  if (!g.members.delete(socket.id)) return;
  io.to(g.id).emit('left', { seq: ++g.seq, userId: d.userId, reason });
}

function enter(socket: Socket, roomId: string, ack: Ack): void {
  const d = socket.data as Data;
  leave(socket, 'leave');
  let g = grids.get(roomId);
  if (!g) {
    const map: RoomMap = { version: 0, width: 20, height: 20, objects: [] };
    grids.set(roomId, (g = { id: roomId, ownerId: roomId, map, grid: occupancy(map), seq: 0, members: new Map() }));
  }
  const spawn = nearestFreeCell(g.map, SPAWN, g.grid) ?? SPAWN;
  const member: Member = { userId: d.userId, name: d.name, x: spawn.x, y: spawn.y, role: 'player' };
  g.members.set(socket.id, member);
  io.to(g.id).emit('entered', { seq: ++g.seq, member });
  void socket.join(g.id);
  d.room = g;
  ack({
    seq: g.seq,
    you: { userId: d.userId, role: 'player', owner: d.userId === g.ownerId },
    map: g.map,
    members: [...g.members.values()],
  });
}

function move(socket: Socket, dir: Direction): void {
  const g = (socket.data as Data).room;
  const m = g?.members.get(socket.id);
  if (!g || !m || !DIRS.has(dir)) return void socket.emit('refused', { code: 'BAD_REQUEST' });
  const step = canStep(g.map, m, dir, g.grid);
  if (!step.ok) return void socket.emit('refused', { code: 'BLOCKED', x: m.x, y: m.y });
  m.x = step.to.x;
  m.y = step.to.y;
  io.to(g.id).emit('moved', { seq: ++g.seq, userId: m.userId, x: m.x, y: m.y, dir });
}

function build(socket: Socket, msg: { baseVersion: number; ops: BuildOp[] }, ack: Ack): void {
  const d = socket.data as Data;
  const g = d.room;
  if (!g || d.userId !== g.ownerId) return ack({ error: 'FORBIDDEN' });
  if (msg.baseVersion !== g.map.version) return ack({ error: 'CONFLICT', version: g.map.version });
  let next: RoomMap;
  try {
    next = applyBuild(g.map, msg.ops, new Set(), () => 'o' + randomBytes(6).toString('hex'));
  } catch (err) {
    return ack({ error: 'INVALID_BUILD', message: (err as Error).message });
  }
  const pushes = pushTargets(g.map, next);
  for (const m of g.members.values()) {
    const target = pushes.get(m.y * next.width + m.x);
    if (target) Object.assign(m, target);
  }
  g.map = next;
  g.grid = occupancy(next);
  io.to(g.id).emit('built', { seq: ++g.seq, map: next, members: [...g.members.values()] });
  ack({ ok: true });
}

io.on('connection', (socket) => {
  socket.on('enter', (msg: { roomId: string }, ack: Ack) => enter(socket, msg.roomId, ack));
  socket.on('move', (dir: Direction) => move(socket, dir));
  socket.on('build', (msg: { baseVersion: number; ops: BuildOp[] }, ack: Ack) => build(socket, msg, ack));
  socket.on('leave', (ack: Ack) => {
    leave(socket, 'leave');
    ack({ ok: true });
  });
  socket.on('disconnect', () => leave(socket, 'disconnect'));
});

http.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));

// Forked by the bench tool: go when it goes.
process.on('disconnect', () => process.exit(0));
