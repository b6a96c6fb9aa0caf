import { RoomModel } from '../../src/client/room-model';
import { occupancyString } from '../../src/domain/map';
import { canStep } from '../../src/domain/step';
import type { Direction, RoomEvent, WelcomeMessage } from '../../src/protocol/messages';
import { EVENT_TYPES, type TestClient } from './client';
import {
  connectAs,
  enter,
  eventually,
  expectValidMap,
  occupiedCells,
  peek,
  type RoomServer,
  roomState,
  type Welcome,
} from './room';
import type { ServicesProbe } from './services';

/**
 * What every fault test checks once the fault is over, the same way each time:
 * - each connected client's view (its last welcome plus the events after it) equals the room as a
 *   newcomer sees it, and, in services mode, as Redis and MySQL hold it;
 * - no ghosts: the room's avatars are exactly the players the test still has connected, each held
 *   by a recorded session;
 * - within each client's stream, seqs go up by one: none repeated, none out of order, none missed;
 * - no build half applied: Redis's cached map, its occupancy grid and MySQL's rows are one map;
 * - a fresh client is served normally: it enters, steps, leaves, and leaves no avatar behind.
 */
export interface RoomInvariantOptions {
  /** Clients the test still has connected in the room. */
  clients: TestClient[];
  /** User ids that must have an avatar in the room: the players among `clients`. */
  players: string[];
  /** services mode: the storage to compare with. */
  probe?: ServicesProbe;
  /** How long clients may take to catch up with the room (events still in flight). */
  settleMs?: number;
}

export interface RoomInvariantReport {
  /** The room as a newcomer saw it. */
  room: Welcome;
  /** Events each client applied after its last welcome. */
  applied: number[];
}

export async function expectRoomInvariants(
  server: RoomServer,
  roomId: string,
  o: RoomInvariantOptions,
): Promise<RoomInvariantReport> {
  // Everything in flight has landed once every client has seen the seq a newcomer sees.
  const room = await eventually(
    async () => {
      const now = await peek(server, roomId);
      for (const c of o.clients) expect(viewOf(c, roomId).model.seq).toBe(now.seq);
      return now;
    },
    o.settleMs ?? 10_000,
    100,
  );

  expectValidMap(room.map);
  const blocked = occupiedCells(room.map);
  for (const m of room.members)
    expect({ userId: m.userId, onObject: blocked.has(`${m.x},${m.y}`) }).toEqual({ userId: m.userId, onObject: false });
  expect(room.members.map((m) => m.userId).sort()).toEqual([...o.players].sort());

  const applied: number[] = [];
  for (const c of o.clients) {
    const view = viewOf(c, roomId);
    expect({ seqProblems: view.problems }).toEqual({ seqProblems: [] });
    expect(roomState({ seq: view.model.seq, map: view.model.map, members: [...view.model.members.values()] })).toEqual(
      roomState(room),
    );
    applied.push(view.applied);
  }

  if (o.probe) await expectStorageAgrees(o.probe, roomId, room, o.players);
  await expectFreshClientServed(server, roomId, room);
  return { room, applied };
}

/** A client's model of the room from its frames, and every seq that did not follow its predecessor. */
export function viewOf(client: TestClient, roomId: string): { model: RoomModel; problems: string[]; applied: number } {
  const frames = client.frames.filter((f) => f.roomId === roomId);
  const last = frames.map((f) => f.type).lastIndexOf('welcome');
  if (last < 0) throw new Error(`the client has no welcome for room ${roomId}`);
  const model = new RoomModel();
  model.reset(frames[last] as unknown as WelcomeMessage);
  const problems: string[] = [];
  let applied = 0;
  for (const f of frames.slice(last + 1)) {
    if (!EVENT_TYPES.has(f.type) && f.type !== 'notice') continue;
    const seq = f.seq as number;
    // A resume's replay may repeat what the welcome already holds; anything else must be next.
    const result = model.apply(f as unknown as RoomEvent);
    if (result === 'applied') applied++;
    else if (result === 'gap') problems.push(`${f.type} seq ${seq} after ${model.seq}: missed events`);
    else if (seq > (frames[last].seq as number))
      problems.push(`${f.type} seq ${seq} after ${model.seq}: repeated or out of order`);
  }
  return { model, problems, applied };
}

async function expectStorageAgrees(
  probe: ServicesProbe,
  roomId: string,
  room: Welcome,
  players: string[],
): Promise<void> {
  const sorted = roomState(room);
  expect(await probe.seq(roomId)).toBe(room.seq);
  expect(await probe.members(roomId)).toEqual(sorted.members);
  // Every avatar is held by a session, and no session holds a seat that is gone.
  expect(Object.keys(await probe.sessions(roomId)).sort()).toEqual([...players].sort());
  // One map everywhere: the cache, the grid the move script reads, the durable rows.
  expect(await probe.cachedMap(roomId)).toEqual(sorted.map);
  expect(await probe.grid(roomId)).toBe(occupancyString(room.map));
  expect(await probe.storedMap(roomId)).toEqual(sorted.map);
}

/** A newcomer enters as a player, takes a step if there is one to take, and leaves no avatar behind. */
async function expectFreshClientServed(server: RoomServer, roomId: string, before: Welcome): Promise<void> {
  const userId = `fresh-${Math.random().toString(36).slice(2, 8)}`;
  const fresh = await connectAs(server, userId);
  try {
    const welcome = await enter(fresh, roomId);
    expect(welcome.seq).toBeGreaterThan(before.seq);
    expect(welcome.map).toEqual(before.map);
    const me = welcome.members.find((m) => m.userId === userId)!;
    const dir = (['up', 'right', 'down', 'left'] as Direction[]).find((d) => canStep(welcome.map, me, d).ok);
    if (dir) expect(await fresh.request({ type: 'move', dir })).toMatchObject({ type: 'moved', userId });
    expect(await fresh.request({ type: 'leave' })).toMatchObject({ type: 'ack' });
  } finally {
    await fresh.close();
  }
  await eventually(async () =>
    expect((await peek(server, roomId)).members.some((m) => m.userId === userId)).toBe(false),
  );
}

export { type Welcome };
