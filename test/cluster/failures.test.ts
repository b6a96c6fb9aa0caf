import Redis from 'ioredis';
import { TestClient, type Frame } from '../support/client';
import { rabbitmqctl } from '../support/rabbit';
import { SERVICES } from '../support/server';
import { type Cluster, type Instance, startCluster, waitFor } from './cluster';
import { canonical, expectGapFreeOrder, roomEvents, seenSeq } from './room-events';
import { isMoved, isUnavailable, Traffic } from './traffic';

jest.setTimeout(90_000);

describe('three instances and the gateway: failures', () => {
  let cluster: Cluster;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster(3);
  }, 90_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  async function direct(i: number, userId: number): Promise<TestClient> {
    const c = await TestClient.connect(cluster.instances[i].wsUrl, cluster.token(userId));
    clients.push(c);
    return c;
  }
  const seqOf = async (roomId: string) => Number(await cluster.redis.get(`room:{${roomId}}:seq`));
  const readyBroker = async (i: Instance) => {
    const r = await cluster.readiness(i);
    return (r.body.checks as { broker: string }).broker;
  };

  it('RabbitMQ stop_app/start_app during traffic: UNAVAILABLE and no change meanwhile, fan-out resumes, order kept, no crash', async () => {
    const roomId = '6';
    const players: { c: TestClient; welcome: Frame }[] = [];
    for (const [i, u] of [
      [0, 1],
      [1, 2],
      [2, 3],
    ] as const) {
      const c = await direct(i, u);
      players.push({ c, welcome: await c.request({ type: 'enter', roomId }) });
    }
    // One more player through the gateway: its tunnel must survive the gateway marking every
    // instance down while the broker is away.
    const viaGateway = await TestClient.connect(cluster.gateway.wsUrl, cluster.token(4));
    clients.push(viaGateway);
    players.push({ c: viaGateway, welcome: await viaGateway.request({ type: 'enter', roomId }) });
    const lastEnter = players[3].welcome.seq as number;
    await Promise.all(players.slice(0, 3).map((p) => seenSeq(p.c, roomId, lastEnter)));
    const traffic = players.map((p) => new Traffic(p.c));
    await waitFor(() => traffic.every((t) => t.count(isMoved) >= 5), 'traffic before the outage');

    let outageFrom = 0;
    try {
      await rabbitmqctl('stop_app');
      await waitFor(
        async () => (await Promise.all(cluster.instances.map(readyBroker))).every((b) => b === 'down'),
        'every instance to see the broker down',
        20_000,
      );
      outageFrom = Date.now();
      const seqDuringOutage = await seqOf(roomId);
      await waitFor(
        () => traffic.every((t) => t.count(isUnavailable, outageFrom) >= 3),
        'UNAVAILABLE answers during the outage',
        20_000,
      );
      expect(await players[0].c.request({ type: 'leave' })).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      expect(await players[1].c.request({ type: 'enter', roomId: '5' })).toMatchObject({
        type: 'error',
        code: 'UNAVAILABLE',
      });
      // Requests that need the broker were refused and changed nothing.
      expect(await seqOf(roomId)).toBe(seqDuringOutage);
      for (const t of traffic)
        expect(t.count((f) => f.type !== 'error' || f.code !== 'UNAVAILABLE', outageFrom)).toBe(0);
    } finally {
      await rabbitmqctl('start_app');
    }
    await waitFor(
      async () =>
        (await Promise.all(cluster.instances.map((i) => cluster.readiness(i)))).every((r) => r.status === 200),
      'every instance ready again',
      30_000,
      100,
    );
    const recoveredAt = Date.now();
    await waitFor(() => traffic.every((t) => t.count(isMoved, recoveredAt) >= 5), 'moves accepted again', 20_000);
    await Promise.all(traffic.map((t) => t.stop()));

    for (const i of cluster.instances) expect(i.alive).toBe(true);
    const finalSeq = await seqOf(roomId);
    await Promise.all(players.map((p) => seenSeq(p.c, roomId, finalSeq)));
    const bySeq = new Map<number, string>();
    for (const [k, p] of players.entries()) {
      expectGapFreeOrder(p.c, roomId, p.welcome.seq as number, `player ${k}`);
      for (const e of roomEvents(p.c, roomId)) {
        const known = bySeq.get(e.seq as number);
        if (known === undefined) bySeq.set(e.seq as number, canonical(e));
        else expect(canonical(e)).toBe(known);
      }
    }
    // Each player saw the others' moves made after the broker came back: fan-out resumed.
    for (const p of players) {
      const others = roomEvents(p.c, roomId).filter(
        (e) => e.type === 'moved' && e.userId !== (p.welcome.you as { userId: string }).userId,
      );
      expect(
        new Set(others.filter((e) => (e.seq as number) > finalSeq - 10).map((e) => e.userId)).size,
      ).toBeGreaterThanOrEqual(1);
    }
  });

  it('an instance whose Redis connections are cut reconnects by itself and serves again', async () => {
    const roomId = '9';
    const a = await direct(0, 8);
    await a.request({ type: 'enter', roomId });
    const b = await direct(1, 9);
    await b.request({ type: 'enter', roomId });
    const target = cluster.instances[1];

    const admin = new Redis(SERVICES.redis);
    try {
      const list = (await admin.client('LIST')) as string;
      const ids = list
        .split('\n')
        .filter((l) => l.includes(` name=myroom:${target.id} `))
        .map((l) => /\bid=(\d+)/.exec(l)![1]);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) await admin.client('KILL', 'ID', id);
    } finally {
      admin.disconnect();
    }

    let moved: Frame | undefined;
    await waitFor(
      async () => {
        const r = await b.request({ type: 'move', dir: 'right' });
        if (r.type === 'moved') moved = r;
        else expect(r).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
        return moved !== undefined;
      },
      'a move to succeed after the reconnect',
      15_000,
      100,
    );
    expect(canonical(await seenSeq(a, roomId, moved!.seq as number))).toBe(canonical(moved!));
    expect((await cluster.readiness(target)).status).toBe(200);
    expect(target.alive).toBe(true);
  });

  it('a stalled instance (SIGSTOP past its lease) is reaped; woken up it cannot write, drops its clients, then serves under a new epoch', async () => {
    const roomId = '7';
    const stalled = cluster.instances[1];
    const observer = await direct(0, 1);
    const wo = await observer.request({ type: 'enter', roomId });
    const player = await direct(1, 5);
    await player.request({ type: 'enter', roomId });
    await observer.next((f) => f.type === 'entered' && (f.member as { userId: string }).userId === '5');
    const epochBefore = await cluster.redis.hget('instances', stalled.id);

    stalled.proc.kill('SIGSTOP');
    let left: Frame;
    try {
      left = await observer.next((f) => f.type === 'left' && f.userId === '5', 10_000);
      // Sent while the instance sleeps: it sits in the socket until the process wakes up.
      player.send({ type: 'move', dir: 'right', id: 'late' });
    } finally {
      stalled.proc.kill('SIGCONT');
    }
    expect(left).toMatchObject({ reason: 'timeout' });

    expect((await player.closed).code).toBe(1012);
    const late = player.frames.find((f) => f.id === 'late');
    if (late) expect(late.type).toBe('error');
    expect(await cluster.redis.hexists(`room:{${roomId}}:members`, '5')).toBe(0);

    await waitFor(
      async () => (await cluster.readiness(stalled)).status === 200,
      'the woken instance to serve again',
      15_000,
      100,
    );
    const epochAfter = await cluster.redis.hget('instances', stalled.id);
    expect(epochAfter).toBeTruthy();
    expect(epochAfter).not.toBe(epochBefore);
    const again = await direct(1, 5);
    expect(await again.request({ type: 'enter', roomId })).toMatchObject({ type: 'welcome' });
    const back = await observer.next(
      (f) =>
        f.type === 'entered' &&
        (f.member as { userId: string }).userId === '5' &&
        (f.seq as number) > (left.seq as number),
    );
    // Between the reap and the new enter, nothing of user 5 reached the room.
    const between = roomEvents(observer, roomId).filter(
      (e) => (e.seq as number) > (left.seq as number) && (e.seq as number) < (back.seq as number),
    );
    expect(between).toEqual([]);
    expectGapFreeOrder(observer, roomId, wo.seq as number, 'observer');
  });

  it('SIGKILL: the other instances remove the dead instance’s avatars (left, timeout) within 5 s', async () => {
    const roomId = '8';
    const victim = cluster.instances[2];
    const observer = await direct(0, 1);
    const wo = await observer.request({ type: 'enter', roomId });
    const doomed = [await direct(2, 6), await direct(2, 7)];
    for (const c of doomed) await c.request({ type: 'enter', roomId });
    const spectator = await direct(2, 10);
    await spectator.request({ type: 'enter', roomId, as: 'spectator' });
    await seenSeq(observer, roomId, (wo.seq as number) + 2);

    const killedAt = Date.now();
    victim.proc.kill('SIGKILL');
    const lefts = await Promise.all(
      ['6', '7'].map((u) => observer.next((f) => f.type === 'left' && f.userId === u, 10_000)),
    );
    const elapsed = Date.now() - killedAt;
    console.log(`SIGKILL of ${victim.id}: its ${lefts.length} avatars left (reason timeout) after ${elapsed} ms`);
    for (const l of lefts) expect(l.reason).toBe('timeout');
    expect(elapsed).toBeLessThan(5000);

    expect(await cluster.redis.hkeys(`room:{${roomId}}:members`)).toEqual(['1']);
    await waitFor(
      async () => (await cluster.redis.hexists('instances', victim.id)) === 0,
      'the dead instance to be forgotten',
      5000,
    );
    expect(await cluster.redis.hlen(`instance:{${victim.id}}:sessions`)).toBe(0);
    expect(await cluster.redis.hlen(`room:{${roomId}}:spectators`)).toBe(0);
    expectGapFreeOrder(observer, roomId, wo.seq as number, 'observer');
  });
});
