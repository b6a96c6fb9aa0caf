import type { Direction, Member, RoomMap } from '../../src/protocol/messages';
import { type Frame, SocketClosed, type TestClient } from './client';
import {
  connectAs,
  enter,
  eventually,
  expectValidMap,
  occupiedCells,
  peek,
  type PlaceOp,
  type RemoveOp,
  sleep,
  wall,
  type Welcome,
} from './room';
import type { TestServer } from './server';
import { prng } from './prng';

export { prng };

/**
 * A busy room, driven through the protocol only: walkers step at random, the owner builds (and
 * sometimes races itself into CONFLICT, then rebuilds on the version the error names), churners
 * enter, move and go in every way there is (leave, close, drop, close before the welcome), and one
 * user keeps replacing their own socket. Everything random comes from one seed.
 */

export interface ChaosOptions {
  roomId: string;
  /** The owner of `roomId`: a seeded user, so that they own games 1..3 (user 1) etc. */
  ownerId: string;
  gameIds: number[];
  walkers: number;
  builds: number;
  churners: number;
  seed: number;
}

export interface ChaosReport {
  seed: number;
  /** Clients connected from before the first build to the end; the owner first. */
  stayers: { client: TestClient; welcome: Welcome }[];
  /** The room after everything settled, as a newcomer sees it. */
  final: Welcome;
  /** The seq every stayer has seen up to. */
  lastSeq: number;
  builds: { ok: number; conflict: number; invalid: number };
  moves: { ok: number; blocked: number };
  /** Replies nobody should ever get here (UNAVAILABLE, INTERNAL, RATE_LIMITED, …). */
  unexpected: Frame[];
  expectedMembers: string[];
}

const DIRS: Direction[] = ['up', 'right', 'down', 'left'];

/** A request whose socket closes before the reply comes back answers `{ type: 'closed', code }`. */
async function ask(client: TestClient, msg: Record<string, unknown>): Promise<Frame> {
  try {
    return await client.request(msg, 15_000);
  } catch (err) {
    if (err instanceof SocketClosed)
      return { type: 'closed', code: err.code, request: msg, lastFrames: client.frames.slice(-3) };
    throw err;
  }
}

export async function runChaos(server: TestServer, o: ChaosOptions): Promise<ChaosReport> {
  const rnd = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const unexpected: Frame[] = [];
  const moves = { ok: 0, blocked: 0 };
  const builds = { ok: 0, conflict: 0, invalid: 0 };
  let stopping = false;

  // ---- the people who stay the whole time ----------------------------------------------------
  const owner = await connectAs(server, o.ownerId);
  const ownerWelcome = await enter(owner, o.roomId);
  const stayers: { client: TestClient; welcome: Welcome }[] = [{ client: owner, welcome: ownerWelcome }];
  for (let i = 0; i < o.walkers; i++) {
    const client = await connectAs(server, `walker${i}`);
    stayers.push({ client, welcome: await enter(client, o.roomId) });
  }
  const watcher = await connectAs(server, 'chaos-watcher');
  stayers.push({ client: watcher, welcome: await enter(watcher, o.roomId, { as: 'spectator' }) });

  const walk = async (client: TestClient) => {
    while (!stopping) {
      const reply = await ask(client, { type: 'move', dir: pick(DIRS) });
      if (reply.type === 'moved') moves.ok++;
      else if (reply.code === 'BLOCKED') moves.blocked++;
      else unexpected.push(reply);
      await sleep(100 + rnd() * 150);
    }
  };

  // ---- the owner's builds ----------------------------------------------------------------------
  let map: RoomMap = ownerWelcome.map;
  owner.ws.on('message', (data) => {
    const f = JSON.parse(data.toString()) as Frame;
    if (f.type === 'built' && (f.map as RoomMap).version > map.version) map = f.map as RoomMap;
  });
  const randomOps = (): (PlaceOp | RemoveOp)[] => {
    const ops: (PlaceOp | RemoveOp)[] = [];
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      if (r < 0.3 && map.objects.length > 0) ops.push({ op: 'remove', objectId: pick(map.objects).id });
      else if (r < 0.38) ops.push({ op: 'remove', objectId: `o-made-up-${i}` });
      else if (r < 0.48)
        ops.push({
          op: 'place',
          kind: 'game',
          x: Math.floor(rnd() * map.width),
          y: Math.floor(rnd() * map.height),
          gameId: pick(o.gameIds),
        });
      else ops.push(wall(Math.floor(rnd() * map.width), Math.floor(rnd() * map.height)));
    }
    return ops;
  };
  const outcome = (reply: Frame): void => {
    if (reply.type === 'ack') builds.ok++;
    else if (reply.code === 'CONFLICT') builds.conflict++;
    else if (reply.code === 'INVALID_BUILD') builds.invalid++;
    else unexpected.push(reply);
  };
  // The newest version the owner's own replies prove. Its `built` event travels through the
  // fan-out and may land after the `ack`, so each step first waits for the owner's map to catch up:
  // a step planned on a map it has just replaced would race nothing and name the wrong version.
  let proven = map.version;
  const buildOn = async (baseVersion: number, ops: (PlaceOp | RemoveOp)[]): Promise<Frame> => {
    const reply = await ask(owner, { type: 'build', baseVersion, ops });
    if (reply.type === 'ack') proven = Math.max(proven, baseVersion + 1);
    else if (reply.code === 'CONFLICT') proven = Math.max(proven, reply.version as number);
    return reply;
  };
  const caughtUp = () => eventually(() => expect(map.version).toBeGreaterThanOrEqual(proven), 10_000, 5);
  const buildAll = async () => {
    for (let i = 0; i < o.builds; i++) {
      await caughtUp();
      // Round 0 always races (with a first build that is surely valid), so CONFLICT always happens.
      if (i === 0 || rnd() < 0.25) {
        // Two builds on the same version, back to back: the second must be a CONFLICT naming the
        // version the first made, and a rebuild on that version goes through (or is invalid).
        const base = map.version;
        const first = buildOn(base, i === 0 ? [freeWall(map)] : randomOps());
        const second = buildOn(base, randomOps());
        const [r1, r2] = await Promise.all([first, second]);
        outcome(r1);
        outcome(r2);
        if (r2.code === 'CONFLICT') {
          const expected = r1.type === 'ack' ? base + 1 : base;
          if (r2.version !== expected) unexpected.push({ ...r2, expectedVersion: expected, first: r1 });
          outcome(await buildOn(r2.version as number, randomOps()));
        } else if (r1.type === 'ack') {
          unexpected.push({ ...r2, note: 'a second build on a used version was not a CONFLICT' });
        }
      } else {
        outcome(await buildOn(map.version, randomOps()));
      }
      await sleep(rnd() * 20);
    }
  };

  // ---- people passing through ------------------------------------------------------------------
  const churn = async (userId: string) => {
    while (!stopping) {
      const client = await connectAs(server, userId);
      const r = rnd();
      if (r < 0.2) {
        // Gone before the welcome could arrive.
        client.send({ type: 'enter', roomId: o.roomId });
        await client.kill();
        continue;
      }
      const asSpectator = r < 0.3;
      const reply = await ask(client, { type: 'enter', roomId: o.roomId, ...(asSpectator ? { as: 'spectator' } : {}) });
      if (reply.type !== 'welcome') unexpected.push(reply);
      const steps = asSpectator ? 0 : Math.floor(rnd() * 6);
      for (let i = 0; i < steps; i++) {
        const m = await ask(client, { type: 'move', dir: pick(DIRS) });
        if (m.type !== 'moved' && m.code !== 'BLOCKED') unexpected.push(m);
        await sleep(rnd() * 30);
      }
      const end = rnd();
      if (end < 0.4) {
        const ack = await ask(client, { type: 'leave' });
        if (ack.type !== 'ack') unexpected.push(ack);
        await client.close();
      } else if (end < 0.7) {
        await client.close();
      } else {
        await client.kill();
      }
      await sleep(rnd() * 50);
    }
  };

  /** One user who keeps entering from a new socket; every older socket must be told `replaced`. */
  const replaceOverAndOver = async () => {
    let current: TestClient | undefined;
    while (!stopping) {
      const next = await connectAs(server, 'replacer');
      const reply = await ask(next, { type: 'enter', roomId: o.roomId });
      if (reply.type !== 'welcome') unexpected.push(reply);
      if (current) {
        const closed = await current.closed;
        if (closed.code !== 4001 || current.ofType('replaced').length !== 1) {
          unexpected.push({ type: 'replacement', code: closed.code, frames: current.frames.slice(-3) });
        }
      }
      current = next;
      const m = await ask(current, { type: 'move', dir: pick(DIRS) });
      if (m.type !== 'moved' && m.code !== 'BLOCKED') unexpected.push(m);
      await sleep(50 + rnd() * 100);
    }
    await current?.close();
  };

  const walking = stayers.slice(1, 1 + o.walkers).map((s) => walk(s.client));
  const churning = Array.from({ length: o.churners }, (_, i) => churn(`churner${i}`));
  const replacing = replaceOverAndOver();
  await buildAll();
  stopping = true;
  await Promise.all([...walking, ...churning, replacing]);

  // ---- quiet again: only the stayers' avatars are left ----------------------------------------
  const expectedMembers = [o.ownerId, ...Array.from({ length: o.walkers }, (_, i) => `walker${i}`)].sort();
  await eventually(
    async () => {
      const now = await peek(server, o.roomId);
      expect(now.members.map((m) => m.userId).sort()).toEqual(expectedMembers);
    },
    10_000,
    50,
  );
  // A last event that every stayer must see: then everybody has seen everything before it.
  const marker = await ask(owner, { type: 'move', dir: 'up' });
  let markerSeq: number;
  if (marker.type === 'moved') {
    markerSeq = marker.seq as number;
  } else {
    await caughtUp();
    markerSeq = (await buildMarker(owner, map)).seq;
    builds.ok++;
  }
  await Promise.all(stayers.map((s) => s.client.untilSeq(markerSeq, 10_000)));
  const final = await peek(server, o.roomId);
  return { seed: o.seed, stayers, final, lastSeq: markerSeq, builds, moves, unexpected, expectedMembers };
}

/** A wall on the free cell furthest down and right: a build that is surely valid. */
function freeWall(map: RoomMap): PlaceOp {
  const taken = occupiedCells(map);
  for (let y = map.height - 1; y >= 0; y--) {
    for (let x = map.width - 1; x >= 0; x--) if (!taken.has(`${x},${y}`)) return wall(x, y);
  }
  throw new Error('no free cell left');
}

/** When the owner cannot step up, a surely valid build serves as the marker. */
async function buildMarker(owner: TestClient, map: RoomMap): Promise<{ seq: number }> {
  const reply = await ask(owner, { type: 'build', baseVersion: map.version, ops: [freeWall(map)] });
  if (reply.type !== 'ack') throw new Error(`marker build failed: ${JSON.stringify(reply)}`);
  const built = await owner.next((f) => f.type === 'built' && (f.map as RoomMap).version === map.version + 1);
  return { seq: built.seq as number };
}

/**
 * Replays a stayer's event stream from its welcome, checking each event against the rules:
 * steps of one cell onto free cells, `built` versions one up with a valid map, avatars on newly
 * occupied cells moved to the nearest free cell and nobody else moved, nobody standing on an
 * object at any point. Returns the room the events lead to.
 */
export function replay(
  welcome: Welcome,
  events: Frame[],
  nearestFree: (map: RoomMap, c: { x: number; y: number }) => { x: number; y: number } | null,
) {
  let map = welcome.map;
  const members = new Map<string, Member>(welcome.members.map((m) => [m.userId, m]));
  const free = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < map.width && y < map.height && !occupiedCells(map).has(`${x},${y}`);
  const fail = (e: Frame, why: string) => {
    throw new Error(`event seq ${e.seq as number}: ${why}: ${JSON.stringify(e)}`);
  };
  for (const e of events) {
    switch (e.type) {
      case 'entered': {
        const m = e.member as Member;
        if (members.has(m.userId)) fail(e, 'entered twice');
        if (!free(m.x, m.y)) fail(e, 'entered onto an occupied cell');
        members.set(m.userId, m);
        break;
      }
      case 'moved': {
        const m = members.get(e.userId as string);
        if (!m) fail(e, 'a move of someone not in the room');
        const [x, y] = [e.x as number, e.y as number];
        const d = { up: [0, -1], right: [1, 0], down: [0, 1], left: [-1, 0] }[e.dir as Direction];
        if (m!.x + d[0] !== x || m!.y + d[1] !== y) fail(e, `not one step ${e.dir as string} from (${m!.x},${m!.y})`);
        if (!free(x, y)) fail(e, 'a step onto an occupied cell');
        members.set(m!.userId, { ...m!, x, y });
        break;
      }
      case 'built': {
        const next = e.map as RoomMap;
        if (next.version !== map.version + 1) fail(e, `version ${next.version} after ${map.version}`);
        expectValidMap(next);
        const before = occupiedCells(map);
        const after = occupiedCells(next);
        const listed = new Map((e.members as Member[]).map((m) => [m.userId, m]));
        if ([...listed.keys()].sort().join() !== [...members.keys()].sort().join())
          fail(e, 'members differ from the room');
        for (const [userId, m] of members) {
          const cell = `${m.x},${m.y}`;
          const now = listed.get(userId)!;
          const expected = after.has(cell) && !before.has(cell) ? nearestFree(next, m) : m;
          if (!expected || now.x !== expected.x || now.y !== expected.y)
            fail(e, `${userId} at (${now.x},${now.y}), expected ${JSON.stringify(expected)}`);
          if (after.has(`${now.x},${now.y}`)) fail(e, `${userId} stands on an object`);
        }
        map = next;
        for (const [userId, m] of listed) members.set(userId, m);
        break;
      }
      case 'left': {
        if (!members.delete(e.userId as string)) fail(e, 'left but was not in the room');
        break;
      }
      default:
        fail(e, 'not a room event');
    }
  }
  return { map, members: [...members.values()] };
}
