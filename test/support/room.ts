import type { Direction, Member, RoomMap } from '../../src/protocol/messages';
import { type ConnectOptions, type Frame, TestClient } from './client';
import type { TestServer } from './server';

/** Protocol-level helpers shared by the room tests: they only speak the wire protocol. */

/** Where clients connect and how they get a token: a test server, or a cluster's gateway. */
export type RoomServer = Pick<TestServer, 'wsUrl' | 'token'>;

export interface Welcome extends Frame {
  type: 'welcome';
  roomId: string;
  seq: number;
  epoch: string;
  you: { userId: string; role: string };
  map: RoomMap;
  members: Member[];
  spectators?: number;
  resumed?: boolean;
}

export type { Member, RoomMap };

export function connectAs(
  server: RoomServer,
  userId: string | number,
  opts: ConnectOptions & { name?: string } = {},
): Promise<TestClient> {
  return TestClient.connect(server.wsUrl, server.token(userId, opts.name), opts);
}

/** Sends `enter` and expects a `welcome` (throws with the error frame otherwise). */
export async function enter(
  client: TestClient,
  roomId: string | number,
  extra: Record<string, unknown> = {},
): Promise<Welcome> {
  const reply = await client.request({ type: 'enter', roomId: String(roomId), ...extra });
  if (reply.type !== 'welcome') throw new Error(`enter ${roomId} failed: ${JSON.stringify(reply)}`);
  return reply as Welcome;
}

/** Connects as `userId` and enters `roomId`. */
export async function joinAs(
  server: RoomServer,
  userId: string | number,
  roomId: string | number,
  extra: Record<string, unknown> = {},
): Promise<[TestClient, Welcome]> {
  const client = await connectAs(server, userId);
  return [client, await enter(client, roomId, extra)];
}

/**
 * The room as a newcomer sees it: a throwaway spectator's `welcome`. A spectator's enter is not a
 * room event, so looking does not change the room's `seq`.
 */
export async function peek(server: RoomServer, roomId: string | number): Promise<Welcome> {
  const watcher = await connectAs(server, 'watcher');
  try {
    return await enter(watcher, roomId, { as: 'spectator' });
  } finally {
    await watcher.close();
  }
}

/** One step; resolves with the reply (`moved` with our id, or `error`). */
export function step(client: TestClient, dir: Direction): Promise<Frame> {
  return client.request({ type: 'move', dir });
}

/** Steps along `dirs`, one after another, each of which must succeed; resolves with the last `moved`. */
export async function walk(client: TestClient, dirs: Direction[]): Promise<Frame> {
  let last: Frame | undefined;
  for (const dir of dirs) {
    last = await step(client, dir);
    if (last.type !== 'moved') throw new Error(`step ${dir} failed: ${JSON.stringify(last)}`);
  }
  if (!last) throw new Error('walk needs at least one step');
  return last;
}

/** From (0,0) on an open floor: right `x` times, then down `y` times. */
export function walkTo(client: TestClient, x: number, y: number): Promise<Frame> {
  return walk(client, [...Array<Direction>(x).fill('right'), ...Array<Direction>(y).fill('down')]);
}

export type PlaceOp = { op: 'place'; kind: string; x: number; y: number; gameId?: number };
export type RemoveOp = { op: 'remove'; objectId: string };

export function wall(x: number, y: number): PlaceOp {
  return { op: 'place', kind: 'wall', x, y };
}

/** Sends a `build`; resolves with the reply (`ack` or `error`). */
export function build(client: TestClient, baseVersion: number, ops: (PlaceOp | RemoveOp)[]): Promise<Frame> {
  return client.request({ type: 'build', baseVersion, ops });
}

/** A build that must succeed: resolves with the `built` event it caused. */
export async function buildOk(
  client: TestClient,
  baseVersion: number,
  ops: (PlaceOp | RemoveOp)[],
): Promise<Frame & { map: RoomMap; members: Member[]; seq: number }> {
  const reply = await build(client, baseVersion, ops);
  if (reply.type !== 'ack') throw new Error(`build failed: ${JSON.stringify(reply)}`);
  const built = await client.next((f) => f.type === 'built' && (f.map as RoomMap).version === baseVersion + 1);
  return built as Frame & { map: RoomMap; members: Member[]; seq: number };
}

export function memberOf(members: Member[], userId: string | number): Member | undefined {
  return members.find((m) => m.userId === String(userId));
}

/** Cells covered by objects, as "x,y" strings. */
export function occupiedCells(map: RoomMap): Set<string> {
  const cells = new Set<string>();
  for (const o of map.objects) {
    for (let y = o.y; y < o.y + o.h; y++) for (let x = o.x; x < o.x + o.w; x++) cells.add(`${x},${y}`);
  }
  return cells;
}

/** The protocol's map invariants: objects inside the map, never overlapping. */
export function expectValidMap(map: RoomMap): void {
  const seen = new Set<string>();
  for (const o of map.objects) {
    expect(o.x).toBeGreaterThanOrEqual(0);
    expect(o.y).toBeGreaterThanOrEqual(0);
    expect(o.x + o.w).toBeLessThanOrEqual(map.width);
    expect(o.y + o.h).toBeLessThanOrEqual(map.height);
    for (let y = o.y; y < o.y + o.h; y++) {
      for (let x = o.x; x < o.x + o.w; x++) {
        const cell = `${x},${y}`;
        if (seen.has(cell)) throw new Error(`objects overlap at ${cell}: ${JSON.stringify(map.objects)}`);
        seen.add(cell);
      }
    }
  }
}

/** Room state stripped of what legitimately differs between two looks (object order). */
export function roomState(w: Pick<Welcome, 'seq' | 'map' | 'members'>) {
  return {
    seq: w.seq,
    map: { ...w.map, objects: [...w.map.objects].sort((a, b) => a.id.localeCompare(b.id)) },
    members: [...w.members].sort((a, b) => a.userId.localeCompare(b.userId)),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it stops throwing (for effects with no event, e.g. a socket's cleanup). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(everyMs);
    }
  }
}
