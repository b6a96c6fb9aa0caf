import type Redis from 'ioredis';
import { REDIS } from '../../src/infra.module';
import { MapStore } from '../../src/maps/map-store';
import { occupancyString } from '../../src/domain/map';
import type { RoomMap } from '../../src/protocol/messages';
import { SessionRegistry } from '../../src/rooms/session-registry';
import { ROOM_STATE, type RoomStateStore } from '../../src/state/room-state.port';
import {
  build,
  buildOk,
  connectAs,
  eventually,
  joinAs,
  peek,
  roomState,
  sleep,
  step,
  wall,
  walkTo,
} from '../support/room';
import { startTestServer, type TestServer } from '../support/server';
import { ServicesProbe } from '../support/services';

/**
 * Services mode only: what the protocol promises, checked where it is stored. MySQL (users, rooms,
 * map_objects) is the durable truth; Redis holds the live room and the cached map.
 */
describe('services mode: MySQL and Redis', () => {
  let server: TestServer;
  let probe: ServicesProbe;
  beforeAll(async () => {
    server = await startTestServer();
    probe = await ServicesProbe.open(server);
  });
  afterAll(async () => {
    await probe.close();
    await server.close();
  });

  /** MySQL rows, the cached map JSON, its version and its occupancy grid all say the same. */
  async function expectStoresAgree(roomId: string): Promise<RoomMap> {
    const stored = await probe.storedMap(roomId);
    expect(await probe.cachedMap(roomId)).toEqual(stored);
    expect(await probe.cachedVersion(roomId)).toBe(stored.version);
    expect(await probe.grid(roomId)).toBe(occupancyString(stored));
    return stored;
  }

  describe('users from token claims', () => {
    it('the handshake creates the user (and their room) from `sub` and `name`, and renames them later', async () => {
      expect(await probe.userRow('u-501')).toBeUndefined();
      const first = await connectAs(server, 'u-501', { name: 'Ada' });
      expect(await probe.userRow('u-501')).toMatchObject({ id: 'u-501', name: 'Ada' });
      expect(await probe.roomRow('u-501')).toMatchObject({ owner_id: 'u-501', width: 20, height: 20, version: 0 });
      const created = (await probe.userRow('u-501'))!;
      await first.close();

      const second = await connectAs(server, 'u-501', { name: 'Ada Lovelace' });
      const renamed = (await probe.userRow('u-501'))!;
      expect(renamed.name).toBe('Ada Lovelace');
      expect(renamed.created_at).toEqual(created.created_at);
      expect(renamed.updated_at.getTime()).toBeGreaterThanOrEqual(created.updated_at.getTime());
      await second.close();
    });

    it('a seeded user connecting with another name is renamed', async () => {
      expect(await probe.userRow('9')).toMatchObject({ name: 'user9' });
      const client = await connectAs(server, 9, { name: 'Nine' });
      expect(await probe.userRow('9')).toMatchObject({ name: 'Nine' });
      await client.close();
    });
  });

  describe('builds', () => {
    it('after places, removes and games, MySQL rows and the cached map agree', async () => {
      const [owner] = await joinAs(server, 1, 1);
      const v1 = await buildOk(owner, 0, [
        wall(3, 3),
        wall(4, 3),
        { op: 'place', kind: 'game', x: 10, y: 10, gameId: 1 },
      ]);
      expect(await expectStoresAgree('1')).toEqual({
        ...v1.map,
        objects: [...v1.map.objects].sort((a, b) => a.id.localeCompare(b.id)),
      });
      const v2 = await buildOk(owner, 1, [{ op: 'remove', objectId: v1.map.objects[0].id }, wall(5, 5)]);
      const stored = await expectStoresAgree('1');
      expect(stored.version).toBe(2);
      expect(stored.objects.map((o) => o.id).sort()).toEqual(v2.map.objects.map((o) => o.id).sort());
      expect(stored.objects.find((o) => o.kind === 'game')).toMatchObject({ x: 10, y: 10, w: 2, h: 2, gameId: 1 });
      await owner.close();
    });

    it('a refused build (bad op in a batch, stale version, not the owner) changes neither MySQL nor Redis', async () => {
      const [owner] = await joinAs(server, 2, 2);
      const [visitor] = await joinAs(server, 3, 2);
      await buildOk(owner, 0, [wall(1, 1)]);
      const before = await expectStoresAgree('2');
      const seqBefore = await probe.seq('2');

      const replies = [
        await build(owner, 1, [wall(2, 2), wall(3, 3), { op: 'place', kind: 'game', x: 6, y: 6, gameId: 20 }]),
        await build(owner, 1, [wall(2, 2), { op: 'remove', objectId: 'o-missing' }]),
        await build(owner, 1, [wall(7, 7), wall(7, 7)]),
        await build(owner, 0, [wall(2, 2)]),
        await build(visitor, 1, [wall(2, 2)]),
      ];
      expect(replies.map((r) => r.code)).toEqual([
        'INVALID_BUILD',
        'INVALID_BUILD',
        'INVALID_BUILD',
        'CONFLICT',
        'FORBIDDEN',
      ]);
      expect(await expectStoresAgree('2')).toEqual(before);
      expect(await probe.seq('2')).toBe(seqBefore);
      await owner.close();
      await visitor.close();
    });

    it('when MySQL fails to commit a build Redis already took, both end at the old map and the owner gets UNAVAILABLE', async () => {
      const [owner] = await joinAs(server, 12, 12);
      const [visitor] = await joinAs(server, 13, 12);
      await buildOk(owner, 0, [wall(5, 5)]);
      const before = await expectStoresAgree('12');
      // The commit fails after the Redis half ran (a dropped MySQL connection at commit time).
      const maps = server.app.get(MapStore);
      const saveBuild = maps.saveBuild;
      maps.saveBuild = (roomId, plan) => {
        maps.saveBuild = saveBuild;
        return saveBuild.call(maps, roomId, async (stored) => {
          const planned = await plan(stored);
          const writeCache = async () => {
            await planned.writeCache();
            throw Object.assign(new Error('Connection lost: The server closed the connection.'), {
              code: 'PROTOCOL_CONNECTION_LOST',
            });
          };
          return { ...planned, writeCache };
        });
      };
      expect(await build(owner, 1, [wall(6, 6)])).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      expect(await expectStoresAgree('12')).toEqual(before);
      // What clients were last told is the old map again.
      const lastBuilt = await eventually(() => {
        const built = visitor.ofType('built');
        expect(built[built.length - 1].map).toMatchObject({ version: 1, objects: before.objects });
        return built[built.length - 1];
      });
      expect(roomState(await peek(server, 12)).map).toEqual(roomState(lastBuilt as never).map);
      await buildOk(owner, 1, [wall(7, 7)]);
      expect((await expectStoresAgree('12')).objects).toHaveLength(2);
      await owner.close();
      await visitor.close();
    });

    it('when MySQL refuses the object rows while Redis takes the build, both end at the old map and the owner gets UNAVAILABLE', async () => {
      // The rows and the Redis script go out together (MapStore.saveBuild): the script may land
      // before the rows fail, and then the build is put back in Redis.
      const [owner] = await joinAs(server, 14, 14);
      const [visitor] = await joinAs(server, 15, 14);
      await buildOk(owner, 0, [wall(5, 5)]);
      const before = await expectStoresAgree('14');
      const refusal = await probe.refuseObjectsInColumn(17);
      try {
        expect(await build(owner, 1, [wall(17, 3)])).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      } finally {
        await refusal.drop();
      }
      expect(await expectStoresAgree('14')).toEqual(before);
      expect(roomState(await peek(server, 14)).map).toEqual(before);
      // The script always lands (both halves settle before the transaction ends), so the visitor
      // saw the first build, this one, and its revert, which is the old map again.
      await eventually(() => {
        const built = visitor.ofType('built');
        expect(built).toHaveLength(3);
        expect(built[2].map).toEqual(before);
      });
      await buildOk(owner, 1, [wall(17, 3)]);
      expect((await expectStoresAgree('14')).objects).toHaveLength(2);
      await owner.close();
      await visitor.close();
    });

    it('a build finds the map in MySQL when Redis lost the cached copy, and caches it again', async () => {
      const [owner] = await joinAs(server, 16, 16);
      await buildOk(owner, 0, [wall(5, 5)]);
      await probe.forgetCachedMap('16');
      expect(await probe.cachedMap('16')).toBeNull();
      await buildOk(owner, 1, [wall(6, 6)]);
      expect((await expectStoresAgree('16')).objects).toHaveLength(2);
      await owner.close();
    });

    it('builds racing from two sockets of the owner land one at a time: one ack per version, the other a CONFLICT', async () => {
      // Two sockets (a player and a spectator seat) are two request queues: their builds run at
      // the same time. The room's SQL row orders them; both stores must end as one map.
      const [player] = await joinAs(server, 'u-race', 'u-race');
      const [watcher] = await joinAs(server, 'u-race', 'u-race', { as: 'spectator' });
      for (let version = 0; version < 10; version++) {
        const replies = await Promise.all([
          build(player, version, [wall(version, 3)]),
          build(watcher, version, [wall(version, 5)]),
        ]);
        expect(replies.filter((r) => r.type === 'ack')).toHaveLength(1);
        expect(replies.find((r) => r.type !== 'ack')).toMatchObject({ type: 'error', code: 'CONFLICT' });
        expect((await expectStoresAgree('u-race')).version).toBe(version + 1);
      }
      await player.close();
      await watcher.close();
    });

    it("a pushed avatar's new cell is what Redis holds", async () => {
      const [owner] = await joinAs(server, 4, 4);
      const [visitor] = await joinAs(server, 5, 4);
      await walkTo(visitor, 2, 2);
      await buildOk(owner, 0, [wall(2, 2)]);
      expect((await probe.members('4')).find((m) => m.userId === '5')).toMatchObject({ x: 2, y: 1 });
      await expectStoresAgree('4');
      await owner.close();
      await visitor.close();
    });
  });

  describe('a backing service away', () => {
    it('while the server cannot reach Redis, moves and builds answer UNAVAILABLE and change nothing', async () => {
      // A lease longer than the build's 3 s lock deadline: with the default 1.5 s one, the server
      // gives its lease up (closing its sockets, 1012) before the build is answered. That is the
      // lease's own behaviour (test/cluster/pause.test.ts); this test is about the answers.
      const own = await startTestServer({ INSTANCE_LEASE_TTL_MS: '10000', INSTANCE_HEARTBEAT_MS: '1000' });
      try {
        const [owner] = await joinAs(own, 1, 1);
        await step(owner, 'down');
        const before = await peek(own, 1);
        const redis = own.app.get<Redis>(REDIS);
        redis.disconnect(); // this server's connection only; Redis itself stays up
        expect(await step(owner, 'right')).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
        expect(await build(owner, 0, [wall(3, 3)])).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
        await redis.connect();
        expect(roomState(await peek(own, 1))).toEqual(roomState(before));
        expect(await step(owner, 'right')).toMatchObject({ type: 'moved', x: 1, y: 1, seq: before.seq + 1 });
        await owner.close();
      } finally {
        await own.close();
      }
    });
  });

  describe('live state', () => {
    it("leave and disconnect remove the avatar, its session and the instance's record of it", async () => {
      const instance = server.config.instanceId;
      const [owner] = await joinAs(server, 6, 6);
      const [visitor] = await joinAs(server, 7, 6);
      const [spectator] = await joinAs(server, 8, 6, { as: 'spectator' });
      expect((await probe.members('6')).map((m) => m.userId)).toEqual(['6', '7']);
      expect(Object.keys(await probe.sessions('6')).sort()).toEqual(['6', '7']);
      expect(Object.values(await probe.spectators('6'))).toEqual(['8']);
      expect(Object.values(await probe.instanceSessions(instance))).toEqual(
        expect.arrayContaining(['6|6|player', '6|7|player', '6|8|spectator']),
      );
      // What a reaper would read back for this instance names the room as clients do.
      const records = await server.app.get<RoomStateStore>(ROOM_STATE).sessionsOfInstance(instance);
      expect(
        records
          .filter((r) => r.roomId === '6')
          .map((r) => `${r.userId}:${r.role}`)
          .sort(),
      ).toEqual(['6:player', '7:player', '8:spectator']);

      await visitor.request({ type: 'leave' });
      await owner.next((f) => f.type === 'left' && f.userId === '7');
      expect((await probe.members('6')).map((m) => m.userId)).toEqual(['6']);
      expect(Object.keys(await probe.sessions('6'))).toEqual(['6']);
      expect(Object.values(await probe.instanceSessions(instance))).not.toContain('6|7|player');

      await spectator.close();
      await eventually(async () => expect(await probe.spectators('6')).toEqual({}));
      await owner.close();
      await eventually(async () => {
        expect(await probe.members('6')).toEqual([]);
        expect(await probe.sessions('6')).toEqual({});
      });
      expect(Object.values(await probe.instanceSessions(instance)).filter((v) => v.startsWith('6|'))).toEqual([]);
      await visitor.close();
    });

    it("an enter still waiting when its socket closed does not replace the user's newer socket", async () => {
      // Deterministic version of a race seen under load: the enter of a socket that has closed
      // runs late (here: its leave of room 11 waits for that room's lock), after the same user
      // entered again from a new socket.
      const [owner] = await joinAs(server, 10, 10);
      const [hasty] = await joinAs(server, 11, 11);
      await probe.holdRoomLock('11', 3000);
      hasty.send({ type: 'enter', roomId: '10' });
      await hasty.kill();
      const [live] = await joinAs(server, 11, 10);
      await probe.releaseRoomLock('11');
      await eventually(async () => expect(await probe.members('11')).toEqual([]));
      await sleep(300); // time for the stale enter to act; if it wrongly does, the checks below fail
      expect(live.ofType('replaced')).toEqual([]);
      expect(live.isOpen).toBe(true);
      expect(await step(live, 'down')).toMatchObject({ type: 'moved', userId: '11', x: 0, y: 1 });
      expect((await probe.members('10')).map((m) => m.userId)).toEqual(['10', '11']);
      expect(
        owner
          .events()
          .filter((e) => e.userId === '11' || (e.member as { userId?: string })?.userId === '11')
          .map((e) => e.type),
      ).toEqual(['entered', 'moved']);
      await owner.close();
      await live.close();
    });

    it("graceful shutdown takes this server's avatars and sessions out of Redis", async () => {
      const own = await startTestServer();
      const ownProbe = await ServicesProbe.open(own);
      try {
        const [a] = await joinAs(own, 1, 1);
        const [b] = await joinAs(own, 2, 1);
        const [c] = await joinAs(own, 3, 3, { as: 'spectator' });
        await step(b, 'right');
        expect(await ownProbe.members('1')).toHaveLength(2);
        await own.shutdown();
        for (const client of [a, b, c]) expect((await client.closed).code).toBe(1012);
        expect(await ownProbe.members('1')).toEqual([]);
        expect(await ownProbe.sessions('1')).toEqual({});
        expect(await ownProbe.spectators('3')).toEqual({});
        expect(await ownProbe.instanceSessions(own.config.instanceId)).toEqual({});
      } finally {
        await ownProbe.close();
        await own.close();
      }
    });

    it('an enter still in flight when the shutdown starts leaves no avatar in Redis', async () => {
      const own = await startTestServer();
      const ownProbe = await ServicesProbe.open(own);
      try {
        const [a] = await joinAs(own, 1, 1);
        const late = await connectAs(own, 2);
        // Forces the interleaving: the drain starts after the enter checked its socket, before
        // the room state seats it.
        const state = own.app.get<RoomStateStore>(ROOM_STATE);
        const sessions = own.app.get(SessionRegistry);
        const enterState = state.enter;
        let shutting: Promise<void> | undefined;
        state.enter = async (roomId, params) => {
          state.enter = enterState;
          shutting = own.shutdown();
          await eventually(() => expect(sessions.isDraining).toBe(true));
          return enterState.call(state, roomId, params);
        };
        late.send({ type: 'enter', roomId: '1' });
        await eventually(() => expect(shutting).toBeDefined());
        await shutting;
        expect((await a.closed).code).toBe(1012);
        expect((await late.closed).code).toBe(1012);
        expect(await ownProbe.members('1')).toEqual([]);
        expect(await ownProbe.sessions('1')).toEqual({});
        expect(await ownProbe.instanceSessions(own.config.instanceId)).toEqual({});
      } finally {
        await ownProbe.close();
        await own.close();
      }
    });
  });
});
