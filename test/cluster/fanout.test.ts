import { createConnection } from 'mysql2/promise';
import type { RoomMap } from '../../src/protocol/messages';
import { instanceSessionsKey } from '../../src/state/redis/redis-keys';
import { readerMarkKey } from '../../src/state/redis/redis-room-reads';
import { TestClient, type Frame } from '../support/client';
import { scrape } from '../support/metrics';
import { type Cluster, startCluster, waitFor } from './cluster';
import { canonical, DIRS, expectGapFreeOrder, roomEvents, seenSeq } from './room-events';

jest.setTimeout(60_000);

describe('three instances and the gateway: one room across instances', () => {
  let cluster: Cluster;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster(3);
  }, 90_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    // The servers take the closed sockets' avatars out after the close: wait for those leaves, so
    // their events land in this test, not in the next one's counts.
    await waitFor(
      async () =>
        (await Promise.all(cluster.instances.map((i) => cluster.redis.hlen(instanceSessionsKey(i.id))))).every(
          (n) => n === 0,
        ),
      "every instance's seats to be gone",
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  async function connect(url: string, userId: number): Promise<TestClient> {
    const c = await TestClient.connect(url, cluster.token(userId));
    clients.push(c);
    return c;
  }
  const direct = (i: number, userId: number) => connect(cluster.instances[i].wsUrl, userId);
  const viaGateway = (userId: number) => connect(cluster.gateway.wsUrl, userId);

  it('the gateway spreads WebSocket upgrades over the instances by least connections', async () => {
    for (let u = 1; u <= 6; u++) await viaGateway(u);
    await waitFor(
      async () => [...(await cluster.gateway.servers()).values()].reduce((n, s) => n + s.scur, 0) === 6,
      'six sockets in the stats',
    );
    const perServer = [...(await cluster.gateway.servers()).values()].map((s) => s.scur);
    expect(perServer).toEqual([2, 2, 2]);
  });

  it('players who name their room in the URL share the instance of its first arrival; other rooms go by least connections', async () => {
    const counts = async () => [...(await cluster.gateway.servers()).values()].map((s) => s.scur);
    const total = async () => (await counts()).reduce((n, c) => n + c, 0);
    await waitFor(async () => (await total()) === 0, 'the earlier sockets to close');

    const hinted = (userId: number, roomId: string) => connect(`${cluster.gateway.wsUrl}?room=${roomId}`, userId);
    const roomSeven = [];
    for (let u = 1; u <= 5; u++) roomSeven.push(await hinted(u, '7'));
    await waitFor(async () => (await total()) === 5, 'five sockets in the stats');
    expect((await counts()).sort()).toEqual([0, 0, 5]);
    // The first arrivals of two more rooms go to the two instances that have no socket.
    await hinted(6, '8');
    await hinted(7, '9');
    await waitFor(async () => (await total()) === 7, 'seven sockets in the stats');
    expect((await counts()).sort()).toEqual([1, 1, 5]);

    // The hint binds nothing: these sockets play like any other, in the hinted room or another.
    const welcomes = await Promise.all(roomSeven.map((c) => c.request({ type: 'enter', roomId: '7' })));
    const moved = await roomSeven[0].request({ type: 'move', dir: 'right' });
    for (const c of roomSeven.slice(1))
      expect(canonical(await seenSeq(c, '7', moved.seq as number))).toBe(canonical(moved));
    expect(welcomes.map((w) => w.type)).toEqual(Array(5).fill('welcome'));
    const elsewhere = await hinted(8, '7');
    expect(await elsewhere.request({ type: 'enter', roomId: '9' })).toMatchObject({ type: 'welcome', roomId: '9' });
  });

  it('players on different instances, direct and through the gateway, see each other enter, move, build and leave', async () => {
    const owner = await direct(0, 1);
    const guest = await direct(1, 2);
    const third = await viaGateway(3);
    const w1 = await owner.request({ type: 'enter', roomId: '1' });
    const w2 = await guest.request({ type: 'enter', roomId: '1' });
    const w3 = await third.request({ type: 'enter', roomId: '1' });
    expect([w1.type, w2.type, w3.type]).toEqual(['welcome', 'welcome', 'welcome']);
    expect((w3.members as { userId: string }[]).map((m) => m.userId).sort()).toEqual(['1', '2', '3']);
    await owner.next((f) => f.type === 'entered' && f.seq === w3.seq);
    await guest.next((f) => f.type === 'entered' && f.seq === w3.seq);

    const moved = await guest.request({ type: 'move', dir: 'right' });
    expect(moved).toMatchObject({ type: 'moved', userId: '2', x: 1, y: 0 });
    for (const c of [owner, third])
      expect(canonical(await seenSeq(c, '1', moved.seq as number))).toBe(canonical(moved));

    const ack = await owner.request({
      type: 'build',
      baseVersion: 0,
      ops: [{ op: 'place', kind: 'wall', x: 5, y: 5 }],
    });
    expect(ack.type).toBe('ack');
    const built = await guest.next((f) => f.type === 'built');
    expect(await third.next((f) => f.type === 'built')).toEqual(built);
    expect((built.map as { objects: unknown[] }).objects).toHaveLength(1);

    await third.request({ type: 'leave' });
    for (const c of [owner, guest]) {
      expect(await c.next((f) => f.type === 'left' && f.userId === '3')).toMatchObject({
        reason: 'leave',
        roomId: '1',
      });
    }
    expectGapFreeOrder(owner, '1', w1.seq as number, 'owner');
    expectGapFreeOrder(guest, '1', w2.seq as number, 'guest');
  });

  it('every player sees the same gap-free seq order while all three instances write to the room at once', async () => {
    const roomId = '2';
    const players: { c: TestClient; welcome: Frame; userId: string }[] = [];
    for (let u = 4; u <= 9; u++) {
      const c = await direct(u % 3, u);
      players.push({ c, welcome: await c.request({ type: 'enter', roomId }), userId: String(u) });
    }
    const lastEnter = players[players.length - 1].welcome.seq as number;
    await Promise.all(
      players.filter((p) => (p.welcome.seq as number) < lastEnter).map((p) => seenSeq(p.c, roomId, lastEnter)),
    );

    const MOVES = 25;
    const replies = await Promise.all(
      players.map((p) =>
        Promise.all(Array.from({ length: MOVES }, (_, k) => p.c.request({ type: 'move', dir: DIRS[k % 4] }, 10_000))),
      ),
    );
    for (const r of replies.flat()) expect(r.type).toBe('moved');
    const finalSeq = Math.max(...replies.flat().map((r) => r.seq as number));
    expect(finalSeq).toBe(lastEnter + players.length * MOVES);
    await Promise.all(players.map((p) => seenSeq(p.c, roomId, finalSeq)));

    const bySeq = new Map<number, string>();
    for (const p of players) {
      expectGapFreeOrder(p.c, roomId, p.welcome.seq as number, `user ${p.userId}`);
      for (const e of roomEvents(p.c, roomId)) {
        const known = bySeq.get(e.seq as number);
        if (known === undefined) bySeq.set(e.seq as number, canonical(e));
        else expect(canonical(e)).toBe(known);
      }
      // Each mover's own replies came in the order it sent them.
      const own = roomEvents(p.c, roomId).filter((e) => e.type === 'moved' && e.userId === p.userId);
      expect(own).toHaveLength(MOVES);
    }
  });

  it('entering on another instance replaces the older socket there: replaced, close 4001, one avatar', async () => {
    const roomId = '3';
    const observer = await direct(2, 1);
    const wo = await observer.request({ type: 'enter', roomId });
    const older = await direct(0, 10);
    await older.request({ type: 'enter', roomId });
    await observer.next((f) => f.type === 'entered' && (f.member as { userId: string }).userId === '10');

    const newer = await direct(1, 10);
    const welcome = await newer.request({ type: 'enter', roomId });
    expect((welcome.members as { userId: string }[]).filter((m) => m.userId === '10')).toHaveLength(1);
    expect(await older.next((f) => f.type === 'replaced')).toMatchObject({ type: 'replaced' });
    expect((await older.closed).code).toBe(4001);

    const moved = await newer.request({ type: 'move', dir: 'down' });
    expect(moved).toMatchObject({ type: 'moved', userId: '10' });
    await seenSeq(observer, roomId, moved.seq as number);
    const about10 = roomEvents(observer, roomId).filter(
      (e) => e.userId === '10' || (e.member as { userId?: string } | undefined)?.userId === '10',
    );
    expect(about10.map((e) => e.type)).toEqual(['entered', 'moved']);
    expectGapFreeOrder(observer, roomId, wo.seq as number, 'observer');
    expect(await cluster.redis.hlen(`room:{${roomId}}:members`)).toBe(2);
  });

  it('builds racing from two instances land one at a time: one ack per version, the other a CONFLICT, MySQL and Redis agreeing', async () => {
    // The owner's player socket on one instance and spectator socket on another: no lock of any
    // instance orders their builds, only the room's row in MySQL and the version check in Redis.
    const roomId = '5';
    const player = await direct(0, 5);
    const watcher = await direct(1, 5);
    await player.request({ type: 'enter', roomId });
    await watcher.request({ type: 'enter', roomId, as: 'spectator' });
    const placed: string[] = [];
    for (let version = 0; version < 10; version++) {
      const replies = await Promise.all([
        player.request({ type: 'build', baseVersion: version, ops: [{ op: 'place', kind: 'wall', x: version, y: 3 }] }),
        watcher.request({
          type: 'build',
          baseVersion: version,
          ops: [{ op: 'place', kind: 'wall', x: version, y: 5 }],
        }),
      ]);
      expect(replies.map((r) => (r.type === 'ack' ? 'ack' : r.code)).sort()).toEqual(['CONFLICT', 'ack']);
      placed.push(`${version},${replies[0].type === 'ack' ? 3 : 5}`);
    }
    const cached = JSON.parse((await cluster.redis.get(`room:{${roomId}}:map`))!) as RoomMap;
    expect(cached.version).toBe(10);
    expect(cached.objects.map((o) => `${o.x},${o.y}`).sort()).toEqual([...placed].sort());
    const db = await createConnection(cluster.env.databaseUrl);
    try {
      const [rooms] = await db.query('SELECT version FROM rooms WHERE id = ?', [roomId]);
      expect((rooms as { version: number }[])[0].version).toBe(10);
      const [rows] = await db.query('SELECT x, y FROM map_objects WHERE room_id = ?', [roomId]);
      expect((rows as { x: number; y: number }[]).map((o) => `${o.x},${o.y}`).sort()).toEqual([...placed].sort());
    } finally {
      await db.end();
    }
  });

  it('a room whose players are all on one instance keeps its events off the broker, until a player enters on another', async () => {
    const roomId = '11';
    const unread = async (i: number) =>
      (await scrape(cluster.instances[i].httpUrl)).value('myroom_fanout_unread_total');
    const host = await direct(0, 11);
    const mate = await direct(0, 12);
    const hostWelcome = await host.request({ type: 'enter', roomId });
    await mate.request({ type: 'enter', roomId });

    const before = await unread(0);
    for (let k = 0; k < 6; k++) await host.request({ type: 'move', dir: DIRS[k % 4] });
    expect((await unread(0)) - before).toBe(6);

    // A player on instance 1 while the host keeps moving: the mark goes in before the enter takes
    // its seq, so every move after the welcome reaches instance 1, none lost, none out of order.
    const guest = await direct(1, 13);
    const moving = Array.from({ length: 30 }, (_, k) => host.request({ type: 'move', dir: DIRS[k % 4] }, 10_000));
    const guestWelcome = await guest.request({ type: 'enter', roomId });
    const replies = await Promise.all(moving);
    const last = Math.max(...replies.map((r) => r.seq as number));
    expect(last).toBeGreaterThan(guestWelcome.seq as number);
    await seenSeq(guest, roomId, last);
    expectGapFreeOrder(guest, roomId, guestWelcome.seq as number, 'guest on instance 1');
    const published = await unread(0);
    const guestMove = await guest.request({ type: 'move', dir: 'down' });
    for (const c of [host, mate])
      expect(canonical(await seenSeq(c, roomId, guestMove.seq as number))).toBe(canonical(guestMove));
    await host.request({ type: 'move', dir: 'right' });
    expect(await unread(0)).toBe(published);

    // Once the guest has left, the room is instance 0's alone again.
    await guest.request({ type: 'leave' });
    await seenSeq(host, roomId, (guestMove.seq as number) + 2);
    const after = await unread(0);
    await host.request({ type: 'move', dir: 'left' });
    expect((await unread(0)) - after).toBe(1);
    expectGapFreeOrder(host, roomId, hostWelcome.seq as number, 'host on instance 0');
  });

  it('a reader mark that lapsed is found by its renewal, which catches up on the events kept off the broker meanwhile', async () => {
    const roomId = '12';
    // The host on instance 2, which the test before did not use: its counter counts only this room.
    const host = await direct(2, 14);
    const guest = await direct(1, 15);
    await host.request({ type: 'enter', roomId });
    const guestWelcome = await guest.request({ type: 'enter', roomId });
    // As if instance 1 had stalled past its mark's TTL: the mark is gone, instance 1 does not know.
    await cluster.redis.del(readerMarkKey(roomId, cluster.instances[1].id));
    const before = (await scrape(cluster.instances[2].httpUrl)).value('myroom_fanout_unread_total');
    const moved = await host.request({ type: 'move', dir: 'right' });
    expect((await scrape(cluster.instances[2].httpUrl)).value('myroom_fanout_unread_total')).toBe(before + 1);
    // The renewal (every 10 s) finds the mark lapsed and reads the room log.
    expect(canonical(await seenSeq(guest, roomId, moved.seq as number, 15_000))).toBe(canonical(moved));
    expectGapFreeOrder(guest, roomId, guestWelcome.seq as number, 'guest on instance 1');
    const next = await host.request({ type: 'move', dir: 'left' });
    await seenSeq(guest, roomId, next.seq as number);
  });

  it('a second process with an INSTANCE_ID already in use refuses to start; the running one is unaffected', async () => {
    const owner = cluster.instances[0];
    expect((await cluster.readiness(owner)).status).toBe(200);
    const epoch = await cluster.redis.hget('instances', owner.id);
    // Short timeouts so it gives up quickly: it waits for the lease for SHUTDOWN_TIMEOUT_MS + 2 x TTL.
    const twin = await cluster.spawn(3, owner.id, {
      SHUTDOWN_TIMEOUT_MS: '300',
      DRAIN_GRACE_MS: '0',
      INSTANCE_LEASE_TTL_MS: '600',
      INSTANCE_HEARTBEAT_MS: '200',
    });
    const stillRunning = new Promise<'still running'>((r) => setTimeout(r, 20_000, 'still running').unref());
    const exit = await Promise.race([twin.exited, stillRunning]);
    if (exit === 'still running') {
      // It took the lease: say why, from both sides (a renewal of the owner's late or lost).
      twin.proc.kill('SIGKILL');
      const about = (i: typeof owner) =>
        `--- ${i.id} (index ${i.index})\n${i
          .logTail(400)
          .split('\n')
          .filter((l) => /lease|stall|fail/i.test(l))
          .join('\n')}`;
      throw new Error(`the twin did not exit within 20 s\n${about(owner)}\n${about(twin)}`);
    }
    expect(exit.code).toBe(1);
    expect(twin.logTail(200)).toMatch(/every instance needs its own INSTANCE_ID/);
    expect(await cluster.redis.hget('instances', owner.id)).toBe(epoch);
    expect((await cluster.readiness(owner)).status).toBe(200);
  });

  it('SIGTERM drains an instance: unready first, then its clients get 1012 with a jittered hint, their avatars leave, it exits', async () => {
    const roomId = '4';
    const draining = cluster.instances[2];
    const observer = await direct(0, 1);
    const wo = await observer.request({ type: 'enter', roomId });
    const leaving = [await direct(2, 2), await direct(2, 3)];
    for (const c of leaving) await c.request({ type: 'enter', roomId });
    await seenSeq(observer, roomId, (wo.seq as number) + 2);

    let firstUnready: number | undefined;
    const closedAt: number[] = [];
    const closes = leaving.map((c) =>
      c.closed.then((ev) => {
        closedAt.push(Date.now());
        return ev;
      }),
    );
    draining.proc.kill('SIGTERM');
    await waitFor(
      async () => {
        const r = await cluster.readiness(draining).catch(() => undefined);
        if (r?.status === 503 && r.body.checks && (r.body.checks as { draining: boolean }).draining)
          firstUnready ??= Date.now();
        return firstUnready !== undefined || closedAt.length > 0;
      },
      'readiness to turn 503',
      10_000,
      20,
    );
    // Players keep arriving through the gateway meanwhile: the draining instance refuses their
    // upgrades (503), and the gateway sends them to another instance (its check or its retry).
    const arrivals = await Promise.all([4, 5, 6].map((u) => viaGateway(u)));
    for (const c of arrivals) expect(await c.request({ type: 'enter', roomId })).toMatchObject({ type: 'welcome' });

    const events = await Promise.all(closes);
    for (const ev of events) {
      expect(ev.code).toBe(1012);
      const hint = JSON.parse(ev.reason) as { retryAfterMs: number };
      expect(hint.retryAfterMs).toBeGreaterThanOrEqual(500);
      expect(hint.retryAfterMs).toBeLessThanOrEqual(1500);
    }
    expect(firstUnready).toBeDefined();
    expect(Math.min(...closedAt)).toBeGreaterThan(firstUnready!);
    for (const u of ['2', '3']) {
      expect(await observer.next((f) => f.type === 'left' && f.userId === u)).toMatchObject({ reason: 'disconnect' });
    }
    for (const c of arrivals) expect(c.ws.readyState === c.ws.OPEN).toBe(true);
    expect(await draining.exited).toEqual({ code: 0, signal: null });

    // The gateway has taken it out; a reconnecting player lands on a live instance.
    await waitFor(
      async () => (await cluster.gateway.servers()).get(draining.id)?.status.startsWith('DOWN') ?? false,
      'the gateway to mark it down',
    );
    const back = await viaGateway(2);
    expect(await back.request({ type: 'enter', roomId })).toMatchObject({ type: 'welcome' });
    expectGapFreeOrder(observer, roomId, wo.seq as number, 'observer');
  });
});
