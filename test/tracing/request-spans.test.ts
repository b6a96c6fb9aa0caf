import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { type RunningTracing, startTracing } from '../../src/tracing/start';
import { ATTR } from '../../src/tracing/tracing';
import { LogCapture } from '../support/log-capture';
import { describeEachMode } from '../support/modes';
import { build, eventually, joinAs, wall } from '../support/room';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Tracing on the real app (both modes), exporting to memory. The SDK's instrumentations patch
 * `require`, which Jest's module loader bypasses, so only our own spans are made here; the
 * cluster test (test/cluster/tracing.test.ts) runs the built server with them.
 */
const exporter = new InMemorySpanExporter();
let tracing: RunningTracing;

beforeAll(() => {
  tracing = startTracing({
    config: { enabled: true, serviceName: 'myroom-test', moveRatio: 0.01 },
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    instrument: false,
  });
});
afterAll(async () => {
  await tracing.shutdown();
});

const spans = () => exporter.getFinishedSpans();
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const idOf = (s: ReadableSpan) => s.spanContext().spanId;

describeEachMode('tracing a request', (mode) => {
  let server: TestServer;
  let logs: LogCapture;
  beforeAll(async () => {
    // Created once tracing runs, as main.ts does: its lines then carry the ids.
    logs = new LogCapture('info');
    // Its events are published although no other instance reads its rooms (services mode would
    // otherwise keep them off the broker), so the fan-out's span is part of the trace in both modes.
    server = await startTestServer({ RABBITMQ_PUBLISH_UNREAD: 'true' }, undefined, mode.mode, logs.logger);
  });
  afterAll(async () => {
    await server.close();
  });

  it('a build is one trace: ws build, with its state calls, the transaction and the fan-out publish under it', async () => {
    const [owner] = await joinAs(server, 1, 1);
    exporter.reset();
    const reply = await build(owner, 0, [wall(3, 3)]);
    expect(reply.type).toBe('ack');
    const root = await eventually(() => {
      const s = spans().find((x) => x.name === 'ws build');
      if (!s || !spans().some((x) => x.name === 'fanout publish')) throw new Error('no build trace yet');
      return s;
    });
    const trace = spans().filter((s) => s.spanContext().traceId === root.spanContext().traceId);
    const named = (name: string) => trace.filter((s) => s.name === name);

    expect(parentOf(root)).toBeUndefined();
    expect(root.attributes).toMatchObject({ [ATTR.room]: '1', [ATTR.user]: '1', [ATTR.result]: 'OK' });
    // A build takes no room lock (its transaction orders it).
    expect(named('lock wait')).toEqual([]);
    const tx = named('db transaction');
    expect(tx).toHaveLength(1);
    expect(parentOf(tx[0])).toBe(idOf(root));
    // The Redis write runs inside the transaction, before its commit.
    const applied = named('state.applyBuild');
    expect(applied).toHaveLength(1);
    expect(parentOf(applied[0])).toBe(idOf(tx[0]));
    const publish = named('fanout publish');
    expect(publish).toHaveLength(1);
    expect(parentOf(publish[0])).toBe(idOf(root));
    expect(publish[0].attributes).toMatchObject({ [ATTR.room]: '1', [ATTR.seq]: expect.any(Number) });
    // Nothing else hangs in the trace: only the steps named above and the state calls.
    for (const s of trace.filter((x) => x !== root))
      expect(s.name).toMatch(/^(db transaction|state\.\w+|fanout publish)$/);
    await owner.close();
  });

  it('a refused request records its result code on its span', async () => {
    const [visitor] = await joinAs(server, 2, 1);
    exporter.reset();
    const reply = await build(visitor, 0, [wall(5, 5)]);
    expect(reply).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    const span = await eventually(() => {
      const s = spans().find((x) => x.name === 'ws build');
      if (!s) throw new Error('no span yet');
      return s;
    });
    expect(span.attributes).toMatchObject({ [ATTR.room]: '1', [ATTR.user]: '2', [ATTR.result]: 'FORBIDDEN' });
    // A refusal is the request's answer, not a failure of the server.
    expect(span.status.code).not.toBe(2);
    await visitor.close();
  });

  it('log lines written inside a request carry its trace_id and span_id; others carry none', async () => {
    const [owner, welcome] = await joinAs(server, 1, 1);
    exporter.reset();
    const reply = await build(owner, welcome.map.version, [wall(7, 7)]);
    expect(reply.type).toBe('ack');
    const line = await logs.next((l) => l.msg === 'built' && l.version === welcome.map.version + 1);
    const root = await eventually(() => {
      const s = spans().find((x) => x.name === 'ws build');
      if (!s) throw new Error('no span yet');
      return s;
    });
    expect(line.trace_id).toBe(root.spanContext().traceId);
    expect(line.span_id).toBe(root.spanContext().spanId);
    const startup = logs.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('listening'));
    expect(startup).toBeDefined();
    expect(startup).not.toHaveProperty('trace_id');
    await owner.close();
  });
});
