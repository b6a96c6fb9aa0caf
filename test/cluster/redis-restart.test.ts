import { TestClient, type Frame } from '../support/client';
import { expectRoomInvariants } from '../support/invariants';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { enter, type PlaceOp, type RemoveOp, type RoomMap, type RoomServer, wall } from '../support/room';
import { ServicesProbe } from '../support/services';
import { type Cluster, sleep, startCluster, waitFor } from './cluster';
import { DIRS } from './room-events';

jest.setTimeout(120_000);

/**
 * Redis restarted empty under a bench-like load: two instances behind the gateway share a
 * redis-server of the test's own (the shared one is never touched). Many rooms, every player
 * walking at about 3 Hz, each owner building two walls at a time; redis-server is SIGKILLed and
 * started again, empty, on the same port while the load goes on. Then, for every client of every
 * room: one change of epoch, a fresh welcome before any event of it, no seq repeated or out of
 * order in either epoch and none missed in the new one; every request answered, those of the outage with UNAVAILABLE; the room in Redis and
 * MySQL equals each client's view, no avatar without a live session, every build whole or absent
 * (and exactly the acknowledged ones in the map); a fresh client served.
 *
 * `REDIS_RESTART_ROOMS` and `REDIS_RESTART_PLAYERS` (per room) raise the load for a run by hand.
 */
const ROOMS = Number(process.env.REDIS_RESTART_ROOMS ?? 12);
const PLAYERS = Number(process.env.REDIS_RESTART_PLAYERS ?? 12);
/** redis-server stays down this long: requests sent meanwhile must be refused, not lost. */
const OUTAGE_MS = 500;
/** A player's pace: a move every 250–350 ms; an owner builds every BUILD_EVERY-th turn instead. */
const STEP_MS = 250;
const BUILD_EVERY = 4;
/** The two cells an owner's build covers or clears together (off the spawn cell, 0,0). */
const BUILD_CELLS = [
  [12, 12],
  [13, 12],
] as const;
const SEQ_EVENTS = new Set(['entered', 'moved', 'built', 'left', 'notice', 'said']);

interface Reply {
  sentAt: number;
  request: 'move' | 'build';
  frame: Frame;
}

/** A player (or a watching spectator) of one room, connected through the gateway. */
interface Seat {
  roomId: string;
  userId: string;
  owner: boolean;
  spectator: boolean;
  client: TestClient;
  replies: Reply[];
}

describe('Redis restarted empty under load, two instances behind the gateway', () => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  let probe: ServicesProbe;
  const seats: Seat[] = [];
  let stopLoad = async (): Promise<void> => undefined;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cluster = await startCluster(2, { REDIS_URL: redis.url });
    probe = await ServicesProbe.open({ env: cluster.env }, redis.url);
  }, 90_000);
  afterAll(async () => {
    await stopLoad();
    await Promise.all(seats.map((s) => s.client.close()));
    await probe?.close();
    await cluster?.stop();
    await redis?.stop();
  }, 60_000);

  /** Each user connects from a loopback address of its own, as users do: the gateway limits upgrades per address. */
  async function seat(r: number, i: number, spectator = false): Promise<Seat> {
    const roomId = `rr${r}`;
    const userId = i === 0 ? roomId : `${roomId}.${i}`;
    const client = await TestClient.connect(cluster.gateway.wsUrl, cluster.token(userId), {
      localAddress: `127.0.${r + 1}.${i + 1}`,
    });
    const s: Seat = { roomId, userId, owner: i === 0, spectator, client, replies: [] };
    seats.push(s);
    await enter(client, roomId, spectator ? { as: 'spectator' } : {});
    return s;
  }

  it('every client gets the new epoch once, requests of the outage are refused, and the rooms stay whole', async () => {
    // Owners first: a user's room is made at their first handshake.
    await Promise.all(Array.from({ length: ROOMS }, (_, r) => seat(r, 0)));
    for (let r = 0; r < ROOMS; r++) {
      await Promise.all(Array.from({ length: PLAYERS - 1 }, (_, i) => seat(r, i + 1)));
      await seat(r, PLAYERS, true);
    }
    const players = seats.filter((s) => !s.spectator);
    const oldEpoch = lastWelcome(players[0]).epoch as string;

    let running = true;
    const loops = players.map((s) => play(s, () => running));
    stopLoad = async () => {
      running = false;
      await Promise.all(loops);
    };
    await waitFor(
      () => players.filter((s) => s.owner).every((s) => s.replies.some((r) => r.frame.type === 'ack')),
      'every owner to have built once',
      20_000,
    );

    const killedAt = Date.now();
    await redis.kill9();
    await sleep(OUTAGE_MS);
    await redis.boot();
    const bootedAt = Date.now();
    const lacking = () => seats.filter((s) => !s.client.frames.some((f) => isWelcome(f) && f.epoch !== oldEpoch));
    await waitFor(() => lacking().length === 0, 'every client to get the welcome of the new epoch', 20_000, 10).catch(
      (err: Error) => {
        throw new Error(`${err.message}: still without it: ${lacking().map((s) => s.userId)}`);
      },
    );
    const allWelcomedMs = Date.now() - bootedAt;

    // The load goes on in the new epoch (owners build again), then stops.
    const welcomedAt = Date.now();
    const owners = players.filter((s) => s.owner);
    await waitFor(
      () => owners.every((s) => s.replies.some((r) => r.sentAt > welcomedAt && r.frame.type === 'ack')),
      'every owner to build in the new epoch',
      20_000,
    ).catch((err: Error) => {
      const since = owners.map((s) => `${s.userId}: ${fmt(tally(s.replies.filter((r) => r.sentAt > welcomedAt)))}`);
      throw new Error(`${err.message}; owners' replies since: ${since.join('; ')}`);
    });
    await stopLoad();

    // Every request got an answer; none of the outage took effect or lost a seat.
    const all = players.flatMap((s) => s.replies);
    const kinds = tally(all);
    const outage = tally(all.filter((r) => r.sentAt >= killedAt && r.sentAt < welcomedAt));
    const allowed = ['moved', 'ack', 'error:BLOCKED', 'error:CONFLICT', 'error:UNAVAILABLE'];
    const odd = players.flatMap((s) =>
      s.replies
        .filter((r) => !allowed.includes(tallyKey(r.frame)))
        .map((r) => `${s.userId} ${r.request} sent ${r.sentAt - killedAt} ms after the kill: ${tallyKey(r.frame)}`),
    );
    expect(odd).toEqual([]);
    expect(outage['error:UNAVAILABLE']).toBeGreaterThan(0);

    // One change of epoch per client, the same for all; seqs gap-free within each epoch.
    const newEpoch = lastWelcome(players[0]).epoch as string;
    expect(newEpoch).not.toBe(oldEpoch);
    let finalGaps = 0;
    for (const s of seats) {
      const { gaps, ...history } = epochHistory(s.client, s.roomId);
      expect({ user: s.userId, ...history }).toEqual({ user: s.userId, epochs: [oldEpoch, newEpoch], problems: [] });
      finalGaps += gaps.length;
    }

    // Each room as clients, Redis and MySQL hold it; builds whole, and exactly the acknowledged ones.
    for (let r = 0; r < ROOMS; r++) {
      const roomId = `rr${r}`;
      const inRoom = seats.filter((s) => s.roomId === roomId);
      const server: RoomServer = {
        wsUrl: cluster.instances[r % 2].wsUrl,
        token: (userId) => cluster.token(userId),
      };
      const { room } = await expectRoomInvariants(server, roomId, {
        clients: inRoom.map((s) => s.client),
        players: inRoom.filter((s) => !s.spectator).map((s) => s.userId),
        probe,
      });
      const owner = inRoom.find((s) => s.owner)!;
      expect({ roomId, version: room.map.version }).toEqual({
        roomId,
        version: owner.replies.filter((x) => x.frame.type === 'ack').length,
      });
      const walls = BUILD_CELLS.map(([x, y]) => room.map.objects.some((o) => o.x === x && o.y === y));
      expect(new Set(walls).size).toBe(1);
      expect(room.map.objects).toHaveLength(walls[0] ? 2 : 0);
    }

    for (const i of cluster.instances) expect(i.alive).toBe(true);
    console.log(
      `Redis restarted empty (SIGKILL, ${OUTAGE_MS} ms down) under ${players.length} players walking in ${ROOMS} rooms ` +
        `(+${ROOMS} spectators) on 2 instances: every client had the new epoch's welcome ${allWelcomedMs} ms after ` +
        `redis-server was back; requests sent from the kill until then: ${fmt(outage)}; all requests: ${fmt(kinds)}; ` +
        `clients that saw a gap at the end of the lost epoch: ${finalGaps}`,
    );
  });
});

/** Walks until told to stop (an owner builds every few turns), recording each reply. */
async function play(s: Seat, running: () => boolean): Promise<void> {
  for (let turn = 0; running(); turn++) {
    const build = s.owner && turn % BUILD_EVERY === BUILD_EVERY - 1;
    const msg = build
      ? { type: 'build', ...toggleWalls(currentMap(s)) }
      : { type: 'move', dir: DIRS[Math.floor(Math.random() * DIRS.length)] };
    const sentAt = Date.now();
    const frame = await s.client
      .request(msg, 15_000)
      .catch((err: Error) => ({ type: 'no-reply', message: err.message }) as Frame);
    s.replies.push({ sentAt, request: build ? 'build' : 'move', frame });
    await sleep(STEP_MS + Math.random() * 100);
  }
}

/** One build of two walls at once: both placed, or both removed. */
function toggleWalls(map: RoomMap): { baseVersion: number; ops: (PlaceOp | RemoveOp)[] } {
  const placed = map.objects.filter((o) => BUILD_CELLS.some(([x, y]) => o.x === x && o.y === y));
  const ops = placed.length
    ? placed.map((o): RemoveOp => ({ op: 'remove', objectId: o.id }))
    : BUILD_CELLS.map(([x, y]) => wall(x, y));
  return { baseVersion: map.version, ops };
}

/** The map as the seat's client last heard it (its last welcome or `built`). */
function currentMap(s: Seat): RoomMap {
  for (let k = s.client.frames.length - 1; k >= 0; k--) {
    const f = s.client.frames[k];
    if (f.roomId === s.roomId && (f.type === 'welcome' || f.type === 'built')) return f.map as RoomMap;
  }
  throw new Error(`${s.userId} has no map`);
}

function isWelcome(f: Frame): boolean {
  return f.type === 'welcome';
}

function lastWelcome(s: Seat): Frame {
  return s.client.frames.filter(isWelcome).at(-1)!;
}

/**
 * The epochs a client's welcomes went through, in order, and every event that did not follow the
 * last seq of its epoch by exactly one (one repeated, out of order, missed, or an event arriving
 * before the welcome of its epoch would each show here).
 */
function epochHistory(c: TestClient, roomId: string): { epochs: string[]; problems: string[]; gaps: string[] } {
  const epochs: string[] = [];
  const problems: string[] = [];
  const gaps: string[] = [];
  let seq = 0;
  const frames = c.frames.filter((f) => f.roomId === roomId);
  // The frames before a problem, to tell what happened (a `#` marks a reply to one of ours).
  const before = (k: number) =>
    frames
      .slice(Math.max(0, k - 4), k)
      .map((f) => `${f.type}${f.id ? '#' : ''}@${String(f.seq)}`)
      .join(' ');
  const lastWelcomeAt = frames.map((f) => f.type).lastIndexOf('welcome');
  const lastEpoch = (f: Frame) => frames.indexOf(f) > lastWelcomeAt;
  for (const [k, f] of frames.entries()) {
    if (isWelcome(f)) {
      const epoch = f.epoch as string;
      if (epoch === epochs.at(-1) && (f.seq as number) < seq)
        problems.push(`welcome at seq ${String(f.seq)} after ${seq}: went back within its epoch`);
      if (epoch !== epochs.at(-1)) epochs.push(epoch);
      seq = f.seq as number;
    } else if (SEQ_EVENTS.has(f.type)) {
      // The answer to one of our requests that the welcome before it already holds (PROTOCOL.md:
      // a request is answered even when a fresh welcome overtook it): nothing to apply.
      if (f.id !== undefined && (f.seq as number) <= seq) continue;
      const what = `${f.type} seq ${String(f.seq)} after ${seq} in epoch ${epochs.at(-1)} (after ${before(k)})`;
      // A gap in the epoch that Redis lost may be final: an event written just before the kill
      // whose writer never heard back (so never published it) went with the room log that gap
      // repair reads. Repeats and reorders never are, nor any gap in the epoch that goes on.
      if ((f.seq as number) > seq + 1 && !lastEpoch(f)) gaps.push(what);
      else if (f.seq !== seq + 1) problems.push(what);
      seq = Math.max(seq, f.seq as number);
    }
  }
  return { epochs, problems, gaps };
}

function tally(replies: Reply[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { frame } of replies) counts[tallyKey(frame)] = (counts[tallyKey(frame)] ?? 0) + 1;
  return counts;
}

function tallyKey(f: Frame): string {
  return f.type === 'error' ? `error:${String(f.code)}` : f.type;
}

function fmt(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}
