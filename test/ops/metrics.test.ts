import { startServerPair, type ServerPair } from '../support/cluster-pair';
import { TestClient } from '../support/client';
import { scrape } from '../support/metrics';
import { connectAs, eventually, joinAs, step } from '../support/room';
import { SERVICES, startTestServer } from '../support/server';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * Each metric ops watch moves when its event happens: two instances on the real services, events
 * crossing between them through RabbitMQ. The two servers share this process and so its metrics
 * registry: assertions compare a scrape before and after, never absolute values.
 */
describe('/metrics, two instances', () => {
  let pair: ServerPair;
  beforeAll(async () => {
    pair = await startServerPair();
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('a move is counted in, then delivered locally on its instance and remotely on the other, with the fan-out lag', async () => {
    const [mover] = await joinAs(pair.a, 1, 1);
    const [watcher] = await joinAs(pair.b, 2, 1);
    const before = await scrape(pair.a.url);
    const moved = await step(mover, 'right');
    await watcher.next((f) => f.type === 'moved' && f.seq === moved.seq);
    // The observation follows the socket write in the same turn: the next scrape sees it.
    const after = await scrape(pair.a.url);
    expect(after.value('myroom_frames_received_total', { type: 'move' })).toBe(
      before.value('myroom_frames_received_total', { type: 'move' }) + 1,
    );
    expect(after.value('myroom_event_delivery_seconds_count', { source: 'local' })).toBeGreaterThan(
      before.value('myroom_event_delivery_seconds_count', { source: 'local' }),
    );
    expect(after.value('myroom_event_delivery_seconds_count', { source: 'remote' })).toBeGreaterThan(
      before.value('myroom_event_delivery_seconds_count', { source: 'remote' }),
    );
    expect(after.value('myroom_fanout_lag_seconds_count')).toBeGreaterThan(
      before.value('myroom_fanout_lag_seconds_count'),
    );
    // In seconds, the write time having crossed the broker intact (not a units or clock blunder).
    expect(after.value('myroom_fanout_lag_seconds_sum') - before.value('myroom_fanout_lag_seconds_sum')).toBeLessThan(
      60,
    );
    // The mover's reply and the watcher's event at least.
    expect(after.value('myroom_frames_sent_total')).toBeGreaterThanOrEqual(
      before.value('myroom_frames_sent_total') + 2,
    );
    expect(after.families.get('myroom_fanout_last_lag_seconds')).toBe('gauge');
    await Promise.all([mover.close(), watcher.close()]);
  });

  it('rooms, players and spectators follow who is in a room on the instances', async () => {
    // The earlier tests' clients are gone once their rooms are (only this pair runs in this process now).
    const before = await eventually(async () => {
      const s = await scrape(pair.a.url);
      expect(s.value('myroom_rooms')).toBe(0);
      return s;
    });
    const [player] = await joinAs(pair.a, 3, 3);
    const [spectator] = await joinAs(pair.b, 4, 3, { as: 'spectator' });
    const [other] = await joinAs(pair.b, 5, 5);
    const during = await scrape(pair.a.url);
    // Room 3 is counted on both instances (it has a client on each), room 5 on one.
    expect(during.value('myroom_rooms')).toBe(before.value('myroom_rooms') + 3);
    expect(during.value('myroom_players')).toBe(before.value('myroom_players') + 2);
    expect(during.value('myroom_spectators')).toBe(before.value('myroom_spectators') + 1);
    await Promise.all([player.close(), spectator.close(), other.close()]);
    await eventually(async () => {
      const after = await scrape(pair.a.url);
      expect([after.value('myroom_rooms'), after.value('myroom_players'), after.value('myroom_spectators')]).toEqual([
        before.value('myroom_rooms'),
        before.value('myroom_players'),
        before.value('myroom_spectators'),
      ]);
    });
  });

  it('refused requests are counted by code: a handshake without a token (401), a move outside a room (NOT_IN_ROOM)', async () => {
    const before = await scrape(pair.b.url);
    await expect(TestClient.connect(pair.b.wsUrl, undefined)).rejects.toMatchObject({ status: 401 });
    const client = await connectAs(pair.b, 6);
    expect(await client.request({ type: 'move', dir: 'up' })).toMatchObject({ type: 'error', code: 'NOT_IN_ROOM' });
    const after = await scrape(pair.b.url);
    expect(after.value('myroom_handshakes_refused_total', { status: '401' })).toBe(
      before.value('myroom_handshakes_refused_total', { status: '401' }) + 1,
    );
    expect(after.value('myroom_errors_sent_total', { code: 'NOT_IN_ROOM' })).toBe(
      before.value('myroom_errors_sent_total', { code: 'NOT_IN_ROOM' }) + 1,
    );
    await client.close();
  });

  it("event-loop lag and the backing services' health are exposed", async () => {
    const s = await scrape(pair.a.url);
    expect(s.families.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
    for (const service of ['state', 'database', 'broker'])
      expect({ service, up: s.value('myroom_backend_up', { service }) }).toEqual({ service, up: 1 });
  });
});

describe('/metrics, one instance', () => {
  it('a client that floods is cut, and the cut counted', async () => {
    const server = await startTestServer({ RATE_LIMIT_PER_SEC: '2', RATE_LIMIT_STRIKES: '3' }, undefined, 'embedded');
    try {
      const before = await scrape(server.url);
      const [flooder] = await joinAs(server, 1, 1);
      for (let i = 0; i < 20; i++) flooder.send({ type: 'move', dir: i % 2 ? 'left' : 'right' });
      expect((await flooder.closed).code).toBe(1008);
      const after = await scrape(server.url);
      expect(after.value('myroom_sockets_cut_total', { reason: 'flooding' })).toBe(
        before.value('myroom_sockets_cut_total', { reason: 'flooding' }) + 1,
      );
      expect(after.value('myroom_errors_sent_total', { code: 'RATE_LIMITED' })).toBeGreaterThan(
        before.value('myroom_errors_sent_total', { code: 'RATE_LIMITED' }),
      );
    } finally {
      await server.close();
    }
  });

  it('a backing service that stops answering shows as down, and as up again when it is back', async () => {
    const proxy = await TcpProxy.start(Number(new URL(SERVICES.redis).port || 6379));
    const server = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    try {
      expect((await scrape(server.url)).value('myroom_backend_up', { service: 'state' })).toBe(1);
      proxy.refuse(true);
      proxy.dropAll();
      await eventually(
        async () => expect((await scrape(server.url)).value('myroom_backend_up', { service: 'state' })).toBe(0),
        10_000,
        200,
      );
      expect((await scrape(server.url)).value('myroom_backend_up', { service: 'database' })).toBe(1);
      proxy.refuse(false);
      await eventually(
        async () => expect((await scrape(server.url)).value('myroom_backend_up', { service: 'state' })).toBe(1),
        15_000,
        200,
      );
    } finally {
      await server.close();
      await proxy.close();
    }
  });
});
