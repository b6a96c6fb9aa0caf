/**
 * Peer: a Colyseus 0.16 server running a room equivalent to ours, as Colyseus users run it: one
 * process, state in memory, `@colyseus/ws-transport`, matchmaking over HTTP, messages in msgpack.
 *
 * The room keeps the same rules (20 × 20 grid, one-cell steps, bounds and collision, owner builds
 * with pushes — the pure rule functions are shared with our server so both do the same work) and
 * sends the same events to every player (`entered`, `moved`, `built`, `left`, each with a per-room
 * `seq`) with `broadcast()`, which encodes a message once for the whole room. It does not use
 * Schema state sync: patches would coalesce moves into 50 ms ticks and send them twice.
 *
 * Env: PORT, JWT_SECRET.
 */
import { randomBytes } from 'node:crypto';
import { type Client, Room, Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { jwtVerify } from 'jose';
import type { BuildOp, Direction, Member, RoomMap } from '../../../src/protocol/messages';
import { applyBuild } from '../../../src/domain/build';
import { nearestFreeCell, pushTargets } from '../../../src/domain/free-cell';
import { occupancy, SPAWN } from '../../../src/domain/map';
import { canStep } from '../../../src/domain/step';

const SECRET = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
const DIRS = new Set(['up', 'right', 'down', 'left']);

interface Auth {
  userId: string;
  name: string;
}

class GridRoom extends Room {
  override maxClients = 1000;
  private map: RoomMap = { version: 0, width: 20, height: 20, objects: [] };
  private grid = occupancy(this.map);
  private seq = 0;
  private ownerId = '';
  private readonly members = new Map<string, Member>();

  static override async onAuth(token: string): Promise<Auth> {
    const claims = (await jwtVerify(token, SECRET, { algorithms: ['HS256'] })).payload as {
      sub: string;
      name?: string;
    };
    return { userId: claims.sub, name: claims.name ?? `user${claims.sub}` };
  }

  override onCreate(options: { roomKey: string }): void {
    this.ownerId = options.roomKey;
    this.setPatchRate(null);
    this.onMessage('move', (client, msg: { dir: Direction }) => this.move(client, msg));
    this.onMessage('build', (client, msg: { id?: string; baseVersion: number; ops: BuildOp[] }) =>
      this.build(client, msg),
    );
  }

  override onJoin(client: Client, _options: unknown, auth: Auth): void {
    const spawn = nearestFreeCell(this.map, SPAWN, this.grid) ?? SPAWN;
    const member: Member = { userId: auth.userId, name: auth.name, x: spawn.x, y: spawn.y, role: 'player' };
    this.members.set(client.sessionId, member);
    this.broadcast('entered', { seq: ++this.seq, member }, { except: client });
    client.send('welcome', {
      seq: this.seq,
      you: { userId: auth.userId, role: 'player', owner: auth.userId === this.ownerId },
      map: this.map,
      members: [...this.members.values()],
    });
  }

  override onLeave(client: Client, consented: boolean): void {
    const member = this.members.get(client.sessionId);
    if (!member) return;
    this.members.delete(client.sessionId);
    this.broadcast('left', { seq: ++this.seq, userId: member.userId, reason: consented ? 'leave' : 'disconnect' });
  }

  private move(client: Client, msg: { dir: Direction }): void {
    const m = this.members.get(client.sessionId);
    if (!m || !msg || !DIRS.has(msg.dir)) return client.send('error', { code: 'BAD_REQUEST' });
    const step = canStep(this.map, m, msg.dir, this.grid);
    if (!step.ok) return client.send('error', { code: 'BLOCKED', x: m.x, y: m.y });
    m.x = step.to.x;
    m.y = step.to.y;
    this.broadcast('moved', { seq: ++this.seq, userId: m.userId, x: m.x, y: m.y, dir: msg.dir });
  }

  private build(client: Client, msg: { id?: string; baseVersion: number; ops: BuildOp[] }): void {
    const who = this.members.get(client.sessionId);
    if (!who || who.userId !== this.ownerId) return client.send('error', { id: msg.id, code: 'FORBIDDEN' });
    if (msg.baseVersion !== this.map.version)
      return client.send('error', { id: msg.id, code: 'CONFLICT', version: this.map.version });
    let next: RoomMap;
    try {
      next = applyBuild(this.map, msg.ops, new Set(), () => 'o' + randomBytes(6).toString('hex'));
    } catch (err) {
      return client.send('error', { id: msg.id, code: 'INVALID_BUILD', message: (err as Error).message });
    }
    const pushes = pushTargets(this.map, next);
    for (const m of this.members.values()) {
      const target = pushes.get(m.y * next.width + m.x);
      if (target) Object.assign(m, target);
    }
    this.map = next;
    this.grid = occupancy(next);
    this.broadcast('built', { seq: ++this.seq, map: next, members: [...this.members.values()] });
    client.send('ack', { id: msg.id });
  }
}

async function main(): Promise<void> {
  const server = new Server({ transport: new WebSocketTransport() });
  server.define('grid', GridRoom).filterBy(['roomKey']);
  await server.listen(Number(process.env.PORT), '127.0.0.1');
  process.send?.('ready');
}

// Forked by the bench tool: go when it goes.
process.on('disconnect', () => process.exit(0));

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
