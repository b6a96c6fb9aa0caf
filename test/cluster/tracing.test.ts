import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TestClient } from '../support/client';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { deleteBrokerQueues } from '../support/rabbit';
import { eventually } from '../support/room';
import { type Cluster, startCluster } from './cluster';

jest.setTimeout(90_000);

const ROOT = resolve(__dirname, '../..');
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

/**
 * Tracing in the built server (`node dist/main.js`, the instrumentations patching the real
 * drivers), exporting over OTLP/HTTP to a receiver in this process.
 */
describe('tracing across two instances', () => {
  let receiver: OtlpReceiver;
  let cluster: Cluster;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    cluster = await startCluster(2, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // Every move, so that the one this test makes is sampled (the default ratio is the sampler's unit test).
      TRACING_MOVE_RATIO: '1',
    });
  }, 90_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await cluster?.stop();
    await receiver?.close();
  }, 30_000);

  async function connect(i: number, userId: number): Promise<TestClient> {
    const c = await TestClient.connect(cluster.instances[i].wsUrl, cluster.token(userId));
    clients.push(c);
    return c;
  }
  const fromInstance = (s: ReceivedSpan, i: number) => s.resource['process.pid'] === cluster.instances[i].proc.pid;

  it('a move on instance A and its delivery on instance B share a trace; the delivery is linked to the publish', async () => {
    const mover = await connect(0, 1);
    const watcher = await connect(1, 2);
    await mover.request({ type: 'enter', roomId: '1' });
    await watcher.request({ type: 'enter', roomId: '1' });
    const moved = await mover.request({ type: 'move', dir: 'right' });
    expect(moved.type).toBe('moved');
    await watcher.next((f) => f.type === 'moved' && f.seq === moved.seq);

    const move = await eventually(() => {
      const s = receiver.spans.find((x) => x.name === 'ws move' && fromInstance(x, 0));
      if (!s) throw new Error('no ws move span exported yet');
      return s;
    }, 20_000);
    expect(move.parentSpanId).toBeUndefined();
    expect(move.attributes).toMatchObject({ 'myroom.room_id': '1', 'myroom.user_id': '1', 'myroom.result_code': 'OK' });
    const inTrace = () => receiver.spans.filter((s) => s.traceId === move.traceId);

    const publish = await eventually(() => {
      const s = inTrace().find((x) => x.name === 'fanout publish' && fromInstance(x, 0));
      if (!s) throw new Error('no publish span yet');
      return s;
    }, 20_000);
    expect(publish.parentSpanId).toBe(move.spanId);
    expect(publish.attributes['myroom.seq']).toBe(moved.seq);

    const deliver = await eventually(() => {
      const s = inTrace().find((x) => x.name === 'fanout deliver' && x.attributes['myroom.seq'] === moved.seq);
      if (!s) throw new Error('no delivery span on the other instance yet');
      return s;
    }, 20_000);
    expect(fromInstance(deliver, 1)).toBe(true);
    expect(deliver.parentSpanId).toBe(publish.spanId);
    expect(deliver.links).toEqual([{ traceId: move.traceId, spanId: publish.spanId }]);

    // The instrumentations patched the real drivers: the move's Redis script is a client span of it.
    const redisCall = inTrace().find((s) => fromInstance(s, 0) && s.kind === SPAN_KIND_CLIENT);
    expect(redisCall).toBeDefined();
  });

  it('HTTP requests are traced by the http instrumentation, probes and scrapes are not', async () => {
    const { httpUrl } = cluster.instances[0];
    const res = await fetch(`${httpUrl}/api/rooms/1`, { headers: { authorization: `Bearer ${cluster.token(1)}` } });
    expect(res.status).toBe(200);
    for (const probe of ['/health/ready', '/metrics']) await fetch(`${httpUrl}${probe}`);
    const request = await eventually(() => {
      const s = receiver.spans.find(
        (x) => fromInstance(x, 0) && x.kind === SPAN_KIND_SERVER && String(x.attributes['url.path']) === '/api/rooms/1',
      );
      if (!s) throw new Error('no server span for the request yet');
      return s;
    }, 20_000);
    expect(request.parentSpanId).toBeUndefined();
    const paths = receiver.spans
      .filter((x) => x.kind === SPAN_KIND_SERVER)
      .map((x) => String(x.attributes['url.path']));
    expect(paths.filter((p) => p.startsWith('/health') || p.startsWith('/metrics'))).toEqual([]);
  });

  it('WORKERS=2: each worker exports its own spans, the primary (which only forks) none', async () => {
    const id = `${cluster.prefix.replace(/\W/g, '')}wk`;
    const primary = await cluster.spawn(9, id, { WORKERS: '2' });
    try {
      // Connections are handed to the workers in turn: a few reach both.
      const entered = new Set<number>();
      await eventually(
        async () => {
          const c = await TestClient.connect(primary.wsUrl, cluster.token(10 + clients.length));
          clients.push(c);
          await c.request({ type: 'enter', roomId: '2' });
          for (const s of receiver.spans)
            if (s.name === 'ws enter' && s.attributes['myroom.room_id'] === '2')
              entered.add(s.resource['process.pid'] as number);
          if (entered.size < 2) throw new Error(`enters traced by ${entered.size} process(es) so far`);
        },
        60_000,
        500,
      );
      expect(entered.has(primary.proc.pid!)).toBe(false);
      expect(receiver.spans.some((s) => s.resource['process.pid'] === primary.proc.pid)).toBe(false);
    } finally {
      const exited = primary.exited;
      primary.proc.kill('SIGTERM');
      await exited;
      await deleteBrokerQueues(cluster.prefix, 0, [`${id}-0`, `${id}-1`]);
    }
  });
});

describe('tracing off', () => {
  /** Loads the server's modules as main.ts does and lists the OpenTelemetry SDK modules then loaded. */
  async function sdkModulesLoaded(env: Record<string, string>): Promise<string[]> {
    const script = `
      require('./dist/tracing/register');
      require('./dist/bootstrap');
      const loaded = Object.keys(require.cache).filter((k) => /@opentelemetry[\\\\/](sdk-|instrumentation)/.test(k));
      console.log(JSON.stringify(loaded));
      process.exit(0);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as string[];
  }

  it('with no OTLP endpoint set, no SDK or instrumentation module is even loaded', async () => {
    expect(await sdkModulesLoaded({})).toEqual([]);
  });

  it('with one set, they are (the check above can fail)', async () => {
    const loaded = await sdkModulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(loaded.some((k) => k.includes(join('@opentelemetry', 'sdk-node')))).toBe(true);
    expect(loaded.some((k) => k.includes(join('@opentelemetry', 'instrumentation-ioredis')))).toBe(true);
  });
});
