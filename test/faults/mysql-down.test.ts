import { readiness, timed, untilReadiness, walk } from '../support/faults';
import { scrape } from '../support/metrics';
import { expectRoomInvariants } from '../support/invariants';
import { connectAs, enter, eventually, joinAs, peek, wall } from '../support/room';
import { createTestEnv, SERVICES, startTestServer, type TestEnv, type TestServer } from '../support/server';
import { ServicesProbe } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * MySQL goes away under traffic (the server reaches it through a proxy that starts refusing
 * connections and cuts the open ones, as a stopped MariaDB does): what needs the durable store
 * (a build, the first enter of a room that is not cached) answers UNAVAILABLE and changes
 * nothing; moves in live rooms, which only touch Redis, go on. When MySQL is back everything
 * works again without a restart, and the room passes the invariants. The replay timeline, kept in
 * MySQL too, loses the events of the outage (counted, never a refused move) and is written again
 * after it.
 */
describe('MySQL unreachable under traffic', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let probe: ServicesProbe;
  let env: TestEnv;

  beforeAll(async () => {
    proxy = await TcpProxy.start(Number(new URL(SERVICES.mysqlRoot).port || 3306));
    env = await createTestEnv('services');
    const proxied = new URL(env.databaseUrl);
    proxied.port = String(proxy.port);
    server = await startTestServer({ MYSQL_URL: proxied.toString() }, env);
    // The probe reads MySQL directly, not through the proxy.
    probe = await ServicesProbe.open(server);
  });
  afterAll(async () => {
    proxy.refuse(false);
    await probe?.close();
    await server?.close();
    await proxy.close();
    await env.dropAll();
  });

  it('builds and enters of uncached rooms answer UNAVAILABLE, moves go on, and all recovers', async () => {
    const [owner, w0] = await joinAs(server, 1, 1);
    const [visitor] = await joinAs(server, 2, 1);
    // Connected before the outage: a handshake records the user in MySQL, so none succeeds during it.
    const newcomer = await connectAs(server, 3);
    const walker = walk(visitor, '1', '2');

    const lostBefore = (await scrape(server.url)).value('myroom_history_write_failures_total', { kind: 'event' });
    proxy.refuse(true);
    proxy.dropAll();
    const down = performance.now();
    try {
      const built = await timed(owner, { type: 'build', baseVersion: w0.map.version, ops: [wall(5, 5)] });
      expect(built.reply).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      const entered = await timed(newcomer, { type: 'enter', roomId: '3' });
      expect(entered.reply).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      await expect(connectAs(server, 4)).rejects.toMatchObject({ status: 503 });
      // A room that is cached goes on taking players who are already connected.
      expect((await enter(newcomer, '1')).members.map((m) => m.userId).sort()).toEqual(['1', '2', '3']);
      expect(await newcomer.request({ type: 'leave' })).toMatchObject({ type: 'ack' });
      const unready = await untilReadiness(server.url, 503);
      expect((await readiness(server.url)).checks).toMatchObject({
        database: expect.stringMatching(/^down/),
        state: 'up',
      });
      // Moves went on meanwhile: the walker keeps stepping for a while with MySQL away.
      const moved = walker.counts.moved ?? 0;
      await visitor.next(
        (f) => f.type === 'moved' && (f.seq as number) > w0.seq + 1 && walker.counts.moved! > moved + 10,
        15_000,
      );
      // The timeline could not keep those moves: counted, and the moves were served all the same.
      await eventually(async () =>
        expect(
          (await scrape(server.url)).value('myroom_history_write_failures_total', { kind: 'event' }),
        ).toBeGreaterThan(lostBefore),
      );
      console.log(
        `MySQL down: build UNAVAILABLE in ${built.ms} ms, enter of an uncached room in ${entered.ms} ms, unready ${Math.round(performance.now() - down)} ms into the outage (${unready} ms of polling)`,
      );
    } finally {
      proxy.refuse(false);
    }
    const back = performance.now();
    const ready = await untilReadiness(server.url, 200);
    const writtenBefore = (await scrape(server.url)).value('myroom_history_events_written_total');
    await eventually(async () =>
      expect((await scrape(server.url)).value('myroom_history_events_written_total')).toBeGreaterThan(writtenBefore),
    );
    await walker.stop();
    expect(walker.counts).toEqual({ moved: expect.any(Number) });

    // The build that was refused changed nothing; the same build now lands.
    expect((await peek(server, '1')).map).toEqual(w0.map);
    const rebuilt = await timed(owner, { type: 'build', baseVersion: w0.map.version, ops: [wall(5, 5)] });
    expect(rebuilt.reply).toMatchObject({ type: 'ack' });
    expect((await enter(newcomer, '3')).roomId).toBe('3');
    await newcomer.close();
    console.log(
      `MySQL back: ready again after ${ready} ms, build served ${Math.round(performance.now() - back)} ms after the proxy let traffic through`,
    );

    await expectRoomInvariants(server, '1', { clients: [owner, visitor], players: ['1', '2'], probe });
    await Promise.all([owner.close(), visitor.close()]);
  });
});
