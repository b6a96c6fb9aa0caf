import { TestClient, type Frame } from '../support/client';
import { expectRoomInvariants } from '../support/invariants';
import { enter, type RoomServer } from '../support/room';
import { PrivateRabbit } from '../support/private-rabbit';
import { ServicesProbe } from '../support/services';
import { type Cluster, startCluster, waitFor } from './cluster';
import { canonical, expectGapFreeOrder, roomEvents, seenSeq } from './room-events';
import { isMoved, isUnavailable, Traffic } from './traffic';

jest.setTimeout(240_000);

/**
 * The broker process dies (kill -9 of the RabbitMQ node, not a polite stop_app) under traffic and
 * is started again. Two instances share a private node, so the shared broker is never touched.
 */
describe('the RabbitMQ node killed under traffic', () => {
  let rabbit: PrivateRabbit;
  let cluster: Cluster;
  let probe: ServicesProbe;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    rabbit = await PrivateRabbit.start();
    await rabbit.settleStreams();
    cluster = await startCluster(2, { RABBITMQ_URL: rabbit.url });
    probe = await ServicesProbe.open({ env: cluster.env });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await probe?.close();
    await cluster?.stop();
    await rabbit?.destroy();
  }, 60_000);

  async function connect(i: number, userId: number): Promise<TestClient> {
    const c = await TestClient.connect(cluster.instances[i].wsUrl, cluster.token(userId));
    clients.push(c);
    return c;
  }
  const brokerChecks = async () =>
    Promise.all(
      cluster.instances.map(async (i) => ((await cluster.readiness(i)).body.checks as { broker: string }).broker),
    );

  it('requests answer UNAVAILABLE and change nothing; fan-out is back within 5 s of the broker; nothing lost or reordered', async () => {
    const roomId = '4';
    // Two players on each instance: every event crosses the broker to reach half of them.
    const players: { c: TestClient; welcome: Frame }[] = [];
    for (const [i, u] of [
      [0, 1],
      [1, 2],
      [0, 3],
      [1, 4],
    ] as const) {
      const c = await connect(i, u);
      players.push({ c, welcome: await enter(c, roomId) });
    }
    await Promise.all(players.slice(0, 3).map((p) => seenSeq(p.c, roomId, players[3].welcome.seq as number)));
    const traffic = players.map((p) => new Traffic(p.c));
    await waitFor(() => traffic.every((t) => t.count(isMoved) >= 5), 'traffic before the kill');

    const killedAt = performance.now();
    await rabbit.kill9();
    await waitFor(
      async () => (await brokerChecks()).every((b) => b === 'down'),
      'both instances to see the broker down',
    );
    const unreadyMs = Math.round(performance.now() - killedAt);
    const outageFrom = Date.now();
    const seqDuringOutage = await probe.seq(roomId);
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
    // Every request of the outage was refused, and none of them changed the room.
    expect(await probe.seq(roomId)).toBe(seqDuringOutage);
    for (const t of traffic) expect(t.count((f) => !isUnavailable(f), outageFrom)).toBe(0);

    await rabbit.boot();
    const brokerBack = performance.now();
    const brokerBackAt = Date.now();
    // Fan-out is back when a move made on one instance reaches the players of the other.
    await waitFor(
      async () => {
        const mover = players[0].c;
        const reply = await mover.request({ type: 'move', dir: 'right' }, 10_000);
        if (reply.type !== 'moved') return false;
        const other = players[1].c;
        return other
          .next((f) => f.type === 'moved' && f.seq === reply.seq, 2000)
          .then(() => true)
          .catch(() => false);
      },
      'an event to cross the broker again',
      30_000,
      100,
    );
    const fanoutBackMs = Math.round(performance.now() - brokerBack);
    await waitFor(() => traffic.every((t) => t.count(isMoved, brokerBackAt) >= 5), 'moves accepted again', 20_000);
    await Promise.all(traffic.map((t) => t.stop()));
    console.log(
      `RabbitMQ node killed (kill -9): both instances unready ${unreadyMs} ms after the kill; ` +
        `fan-out back ${fanoutBackMs} ms after the restarted node accepted connections`,
    );
    expect(fanoutBackMs).toBeLessThan(5000);

    // No event lost, repeated or out of order for anyone who stayed connected, and all saw the same.
    for (const i of cluster.instances) expect(i.alive).toBe(true);
    const finalSeq = await probe.seq(roomId);
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
    const server: RoomServer = { wsUrl: cluster.instances[1].wsUrl, token: (userId) => cluster.token(userId) };
    await expectRoomInvariants(server, roomId, {
      clients: players.map((p) => p.c),
      players: ['1', '2', '3', '4'],
      probe,
    });
  });
});
