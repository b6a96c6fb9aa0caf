import { nearestFreeCell } from '../../src/domain/free-cell';
import type { Frame } from '../support/client';
import { type ChaosReport, replay, runChaos } from '../support/chaos';
import { describeEachMode } from '../support/modes';
import { expectValidMap, occupiedCells, roomState } from '../support/room';
import { startTestServer, type TestServer } from '../support/server';
import { ServicesProbe } from '../support/services';

/** CHAOS_SEED=<n> replays the random choices of a failed run (the timing will differ). */
const seed = () => Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const withoutId = ({ id: _id, ...event }: Frame) => event;

/** Prefixes the seed to any assertion error, so a failure can be rerun with the same choices. */
async function withSeed(s: number, check: () => Promise<void> | void): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (err instanceof Error) err.message = `[CHAOS_SEED=${s}] ${err.message}`;
    throw err;
  }
}

/** The protocol's promises about a busy room, checked on what the clients saw. */
function expectConsistentRoom(r: ChaosReport): void {
  expect(r.unexpected).toEqual([]);
  expect(r.builds.ok).toBeGreaterThan(0);
  expect(r.builds.conflict).toBeGreaterThan(0);
  expect(r.builds.invalid).toBeGreaterThan(0);
  expect(r.moves.ok).toBeGreaterThan(0);

  // The room at rest: objects inside the map and apart, nobody on an object, nobody extra.
  expectValidMap(r.final.map);
  const taken = occupiedCells(r.final.map);
  for (const m of r.final.members) {
    expect(taken.has(`${m.x},${m.y}`)).toBe(false);
    expect(m.x >= 0 && m.y >= 0 && m.x < r.final.map.width && m.y < r.final.map.height).toBe(true);
  }
  expect(r.final.members.map((m) => m.userId).sort()).toEqual(r.expectedMembers);
  expect(r.final.map.version).toBe(r.stayers[0].welcome.map.version + r.builds.ok);

  // Every stayer saw every event after its welcome, once, in seq order.
  const streams = r.stayers.map(({ client, welcome }) => {
    const events = client.events().filter((e) => (e.seq as number) <= r.lastSeq);
    const seqs = events.map((e) => e.seq as number);
    expect(seqs).toEqual(Array.from({ length: r.lastSeq - welcome.seq }, (_, i) => welcome.seq + 1 + i));
    return events.map(withoutId);
  });
  // …and the same events: identical lists over the range they all saw.
  const from = Math.max(...r.stayers.map((s) => s.welcome.seq));
  const shared = streams.map((events) => events.filter((e) => (e.seq as number) > from));
  const reference = JSON.stringify(shared[0]);
  for (const events of shared.slice(1)) {
    // Compared as text (thousands of events); the deep comparison only runs to show a difference.
    if (JSON.stringify(events) !== reference) expect(events).toEqual(shared[0]);
  }

  // Replaying the owner's stream from its welcome follows the rules at every step and ends in
  // the room as a newcomer sees it.
  const { welcome, client } = r.stayers[0];
  const end = replay(
    welcome,
    client.events().filter((e) => (e.seq as number) <= r.lastSeq),
    nearestFreeCell,
  );
  expect(roomState({ seq: r.lastSeq, ...end })).toEqual(roomState(r.final));
}

describeEachMode('a busy room', (mode) => {
  let server: TestServer;
  let report: ChaosReport | undefined;
  beforeAll(async () => {
    server = await mode.start({ RATE_LIMIT_PER_SEC: '1000' });
  });
  afterAll(async () => {
    for (const s of report?.stayers ?? []) await s.client.close();
    await server.close();
  });

  it('20 walkers, 50 builds, people coming and going: one consistent history for everybody', async () => {
    const s = seed();
    report = await runChaos(server, {
      roomId: '1',
      ownerId: '1',
      gameIds: [1, 2, 3],
      walkers: 20,
      builds: 50,
      churners: 6,
      seed: s,
    });
    await withSeed(s, () => expectConsistentRoom(report!));
  }, 60_000);
});

describe('a busy room: MySQL and Redis agree afterwards [services]', () => {
  let server: TestServer;
  let report: ChaosReport | undefined;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_PER_SEC: '1000' });
  });
  afterAll(async () => {
    for (const s of report?.stayers ?? []) await s.client.close();
    await server.close();
  });

  it('the map rows equal the cached map; the live avatars are the stayers, none on an occupied cell', async () => {
    const s = seed();
    report = await runChaos(server, {
      roomId: '2',
      ownerId: '2',
      gameIds: [2, 3, 4],
      walkers: 8,
      builds: 30,
      churners: 4,
      seed: s,
    });
    const probe = await ServicesProbe.open(server);
    try {
      await withSeed(s, async () => {
        expect(report!.unexpected).toEqual([]);
        const stored = await probe.storedMap('2');
        const cached = await probe.cachedMap('2');
        expect(cached).toEqual(stored);
        expect(stored.version).toBe(report!.final.map.version);
        const grid = (await probe.grid('2'))!;
        const members = await probe.members('2');
        expect(members).toEqual(roomState(report!.final).members);
        for (const m of members) expect(grid[m.y * stored.width + m.x]).toBe('0');
        expect(Object.keys(await probe.sessions('2')).sort()).toEqual(report!.expectedMembers);
        expect(Object.values(await probe.spectators('2'))).toEqual(['chaos-watcher']);
        expect(Object.keys(await probe.instanceSessions(server.config.instanceId))).toHaveLength(
          report!.stayers.length,
        );
      });
    } finally {
      await probe.close();
    }
  }, 60_000);
});
