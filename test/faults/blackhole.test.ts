import { readiness, timed, untilReadiness, walk } from '../support/faults';
import { expectRoomInvariants } from '../support/invariants';
import { deleteBrokerQueues } from '../support/rabbit';
import { connectAs, enter, joinAs, peek, wall } from '../support/room';
import { createTestEnv, SERVICES, startTestServer, type TestEnv, type TestServer } from '../support/server';
import { ServicesProbe } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * A black-holed connection: the path between the instance and a backing service stops carrying
 * anything, both ways, with no error and no reset (the proxy stalls). Only timeouts and heartbeats
 * can notice. The instance must turn unready, answer UNAVAILABLE within a bounded time (no request
 * may wait forever), and serve again on its own once the path carries traffic again.
 */

/** Longer than any stall here: the instance keeps its lease, so its clients stay connected. */
const LEASE = { INSTANCE_LEASE_TTL_MS: '30000', INSTANCE_HEARTBEAT_MS: '1000' };
/** No request may take longer than this to be answered, fault or not. */
const BOUND_MS = 15_000;

describe('a black-holed connection to Redis', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let probe: ServicesProbe;

  beforeAll(async () => {
    proxy = await TcpProxy.start(Number(new URL(SERVICES.redis).port || 6379));
    server = await startTestServer({ ...LEASE, REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    probe = await ServicesProbe.open(server);
  });
  afterAll(async () => {
    proxy.stall(false);
    await probe?.close();
    await server?.close();
    await proxy.close();
  });

  it('turns unready, answers UNAVAILABLE in bounded time, and recovers without a restart', async () => {
    const [owner, w0] = await joinAs(server, 1, 1);
    const [visitor] = await joinAs(server, 2, 1);
    const walker = walk(visitor, '1', '2');
    await visitor.next((f) => f.type === 'moved');

    proxy.stall(true);
    const stalled = performance.now();
    let figures: string;
    try {
      await untilReadiness(server.url, 503, BOUND_MS);
      const unready = Math.round(performance.now() - stalled);
      expect((await readiness(server.url)).checks).toMatchObject({ state: expect.stringMatching(/^down/) });
      const moved = await timed(owner, { type: 'move', dir: 'right' }, BOUND_MS);
      expect(moved.reply).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      const built = await timed(owner, { type: 'build', baseVersion: w0.map.version, ops: [wall(6, 6)] }, BOUND_MS);
      expect(built.reply).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      figures = `move UNAVAILABLE in ${moved.ms} ms, build in ${built.ms} ms, unready ${unready} ms into the stall`;
    } finally {
      proxy.stall(false);
    }
    const healed = performance.now();
    await untilReadiness(server.url, 200, BOUND_MS);
    const ready = Math.round(performance.now() - healed);
    const back = await timed(owner, { type: 'move', dir: 'down' }, BOUND_MS);
    expect(back.reply).toMatchObject({ type: 'moved' });
    await walker.stop();
    console.log(
      `Redis black-holed: ${figures}; ready again ${ready} ms after the path healed, first move served ${Math.round(performance.now() - healed)} ms after it; walker ${JSON.stringify(walker.counts)}, slowest reply ${walker.maxMs} ms`,
    );
    expect(walker.maxMs).toBeLessThan(BOUND_MS);
    expect(Object.keys(walker.counts).sort()).toEqual(expect.arrayContaining(['moved']));
    for (const k of Object.keys(walker.counts)) expect(['moved', 'error:UNAVAILABLE']).toContain(k);

    await expectRoomInvariants(server, '1', { clients: [owner, visitor], players: ['1', '2'], probe });
    await Promise.all([owner.close(), visitor.close()]);
  });
});

describe('a black-holed connection to the broker', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let probe: ServicesProbe;
  let env: TestEnv;
  const PARTITIONS = 2;

  beforeAll(async () => {
    proxy = await TcpProxy.start(Number(new URL(SERVICES.rabbitmq).port || 5672));
    env = await createTestEnv('services');
    const url = new URL(SERVICES.rabbitmq);
    url.port = String(proxy.port);
    // Heartbeats every second: a dead path is noticed within about two of them.
    url.searchParams.set('heartbeat', '1');
    server = await startTestServer(
      {
        ...LEASE,
        INSTANCE_ID: `bh-${env.tag}`,
        RABBITMQ_URL: url.toString(),
        RABBITMQ_STREAM_PREFIX: `t.${env.tag}`,
        RABBITMQ_STREAM_PARTITIONS: String(PARTITIONS),
        RABBITMQ_STREAM_MAX_AGE: '10m',
        RABBITMQ_STREAM_MAX_BYTES: '20000000',
        RABBITMQ_STREAM_SEGMENT_BYTES: '1000000',
      },
      env,
    );
    probe = await ServicesProbe.open(server);
  });
  afterAll(async () => {
    proxy.stall(false);
    await probe?.close();
    await server?.close();
    await proxy.close();
    await deleteBrokerQueues(`t.${env.tag}`, PARTITIONS, [`bh-${env.tag}`]);
    await env.dropAll();
  });

  it('turns unready, answers UNAVAILABLE in bounded time, and recovers without a restart', async () => {
    const [owner] = await joinAs(server, 1, 1);
    const [visitor] = await joinAs(server, 2, 1);
    const walker = walk(visitor, '1', '2');
    await visitor.next((f) => f.type === 'moved');

    proxy.stall(true);
    const stalled = performance.now();
    let figures: string;
    try {
      await untilReadiness(server.url, 503, BOUND_MS);
      const unready = Math.round(performance.now() - stalled);
      expect((await readiness(server.url)).checks).toMatchObject({ broker: 'down', state: 'up' });
      const moved = await timed(owner, { type: 'move', dir: 'right' }, BOUND_MS);
      expect(moved.reply).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      figures = `unready ${unready} ms into the stall, then a move UNAVAILABLE in ${moved.ms} ms`;
    } finally {
      proxy.stall(false);
    }
    const healed = performance.now();
    await untilReadiness(server.url, 200, 30_000);
    const ready = Math.round(performance.now() - healed);
    // Fan-out is back: a step reaches the other client.
    const back = await timed(owner, { type: 'move', dir: 'down' }, BOUND_MS);
    expect(back.reply).toMatchObject({ type: 'moved' });
    await visitor.next((f) => f.type === 'moved' && f.seq === back.reply.seq, BOUND_MS);
    await walker.stop();
    console.log(
      `Broker black-holed: ${figures}; ready again ${ready} ms after the path healed; walker ${JSON.stringify(walker.counts)}, slowest reply ${walker.maxMs} ms`,
    );
    expect(walker.maxMs).toBeLessThan(BOUND_MS);
    for (const k of Object.keys(walker.counts)) expect(['moved', 'error:UNAVAILABLE']).toContain(k);

    await expectRoomInvariants(server, '1', { clients: [owner, visitor], players: ['1', '2'], probe });
    await Promise.all([owner.close(), visitor.close()]);
  });
});

describe('a black-holed connection to MySQL', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let probe: ServicesProbe;
  let env: TestEnv;

  beforeAll(async () => {
    proxy = await TcpProxy.start(Number(new URL(SERVICES.mysqlRoot).port || 3306));
    env = await createTestEnv('services');
    const proxied = new URL(env.databaseUrl);
    proxied.port = String(proxy.port);
    server = await startTestServer({ ...LEASE, MYSQL_URL: proxied.toString(), MYSQL_TIMEOUT_MS: '1000' }, env);
    // The probe reads MySQL directly, not through the proxy.
    probe = await ServicesProbe.open(server);
  });
  afterAll(async () => {
    proxy.stall(false);
    await probe?.close();
    await server?.close();
    await proxy.close();
    await env.dropAll();
  });

  it('builds and enters of uncached rooms answer UNAVAILABLE within MYSQL_TIMEOUT_MS, moves go on, and it recovers', async () => {
    const [owner, w0] = await joinAs(server, 1, 1);
    const [visitor] = await joinAs(server, 2, 1);
    const newcomer = await connectAs(server, 3);
    const walker = walk(visitor, '1', '2');
    await visitor.next((f) => f.type === 'moved');

    proxy.stall(true);
    const stalled = performance.now();
    let figures: string;
    try {
      const built = await timed(owner, { type: 'build', baseVersion: w0.map.version, ops: [wall(6, 6)] }, BOUND_MS);
      expect(built.reply).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      const entered = await timed(newcomer, { type: 'enter', roomId: '3' }, BOUND_MS);
      expect(entered.reply).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      await untilReadiness(server.url, 503, BOUND_MS);
      const unready = Math.round(performance.now() - stalled);
      expect((await readiness(server.url)).checks).toMatchObject({
        database: expect.stringMatching(/^down/),
        state: 'up',
      });
      // Moves only touch Redis: the walker keeps stepping with MySQL black-holed.
      const moved = walker.counts.moved ?? 0;
      await visitor.next(() => (walker.counts.moved ?? 0) > moved + 5, BOUND_MS);
      figures = `build UNAVAILABLE in ${built.ms} ms, enter of an uncached room in ${entered.ms} ms, unready ${unready} ms into the stall`;
    } finally {
      proxy.stall(false);
    }
    const healed = performance.now();
    const ready = await untilReadiness(server.url, 200, BOUND_MS);
    await walker.stop();
    expect(walker.counts).toEqual({ moved: expect.any(Number) });
    expect(walker.maxMs).toBeLessThan(BOUND_MS);

    // The refused build changed nothing; the same build now lands, and the uncached room opens.
    expect((await peek(server, '1')).map).toEqual(w0.map);
    const rebuilt = await timed(owner, { type: 'build', baseVersion: w0.map.version, ops: [wall(6, 6)] }, BOUND_MS);
    expect(rebuilt.reply).toMatchObject({ type: 'ack' });
    expect((await enter(newcomer, '3')).roomId).toBe('3');
    await newcomer.close();
    console.log(
      `MySQL black-holed (MYSQL_TIMEOUT_MS 1000): ${figures}; ready again ${ready} ms after the path healed, build served ${Math.round(performance.now() - healed)} ms after it`,
    );

    await expectRoomInvariants(server, '1', { clients: [owner, visitor], players: ['1', '2'], probe });
    await Promise.all([owner.close(), visitor.close()]);
  });
});
