import * as api from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { MOVE_SPAN } from './sampler';
import { type RunningTracing, startTracing } from './start';
import { ATTR, consumerSpan, currentTraceIds, producerSpan, traced, Traced, tracePort, tracingActive } from './tracing';

class Store {
  calls = 0;
  async get(key: string): Promise<string> {
    this.calls++;
    return this.inner(key);
  }
  private inner(key: string): string {
    return `v:${key}`;
  }
}

class Service {
  constructor(private readonly store: Store) {}

  @Traced('ws thing', {
    result: true,
    attributes: (user: string) => ({ [ATTR.user]: user }),
  })
  async handle(user: string, fail?: Error & { code?: string }): Promise<string> {
    const v = await traced('step', () => this.store.get(user), { child: true });
    if (fail) throw fail;
    return v;
  }
}

/** Moves, each noting the trace ids its log lines would carry. */
class Mover {
  readonly ids: ReturnType<typeof currentTraceIds>[] = [];

  @Traced(MOVE_SPAN)
  async move(): Promise<void> {
    this.ids.push(currentTraceIds());
  }
}

describe('tracing off', () => {
  it('the decorator and helpers call straight through, and a port is returned as it is', async () => {
    expect(tracingActive()).toBe(false);
    const store = new Store();
    expect(tracePort('state', store)).toBe(store);
    await expect(new Service(store).handle('u1')).resolves.toBe('v:u1');
    expect(currentTraceIds()).toBeUndefined();
    expect(producerSpan('p', {})).toBeUndefined();
    expect(consumerSpan('c', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, {}, () => 7)).toBe(7);
  });
});

describe('tracing on', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: RunningTracing;
  beforeAll(() => {
    tracing = startTracing({
      config: { enabled: true, serviceName: 'test', moveRatio: 0.01 },
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
      instrument: false,
    });
  });
  afterAll(async () => {
    await tracing.shutdown();
    expect(tracingActive()).toBe(false);
  });
  beforeEach(() => exporter.reset());
  const spans = () => exporter.getFinishedSpans();
  const byName = (n: string) => spans().find((s) => s.name === n)!;

  it('a traced method is a span; its steps and port calls are children; result OK', async () => {
    const store = tracePort('state', new Store());
    await expect(new Service(store).handle('u1')).resolves.toBe('v:u1');
    const root = byName('ws thing');
    expect(root.attributes).toEqual({ [ATTR.user]: 'u1', [ATTR.result]: 'OK' });
    expect(byName('step').parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(byName('state.get').parentSpanContext?.spanId).toBe(byName('step').spanContext().spanId);
    // The port's call to itself stays inside it.
    expect(spans().map((s) => s.name)).not.toContain('state.inner');
  });

  it('a port call outside any span makes none (and still works)', async () => {
    const store = tracePort('state', new Store());
    await expect(store.get('k')).resolves.toBe('v:k');
    expect(spans()).toEqual([]);
  });

  it('a refusal keeps its code and is not a server error; a fault is', async () => {
    const store = new Store();
    const refusal = Object.assign(new Error('no'), { code: 'FORBIDDEN' });
    await expect(new Service(store).handle('u2', refusal)).rejects.toBe(refusal);
    expect(byName('ws thing').attributes[ATTR.result]).toBe('FORBIDDEN');
    expect(byName('ws thing').status.code).toBe(api.SpanStatusCode.UNSET);
    exporter.reset();
    await expect(new Service(store).handle('u3', new Error('boom'))).rejects.toThrow('boom');
    expect(byName('ws thing').attributes[ATTR.result]).toBe('INTERNAL');
    expect(byName('ws thing').status.code).toBe(api.SpanStatusCode.ERROR);
  });

  it('the ids of the current span are there for log lines', async () => {
    let ids: ReturnType<typeof currentTraceIds>;
    await traced('outer', async () => {
      ids = currentTraceIds();
    });
    const outer = byName('outer');
    expect(ids).toEqual({ trace_id: outer.spanContext().traceId, span_id: outer.spanContext().spanId });
  });

  it('a consumer span is a child of the producer it names, linked to it', async () => {
    let producer: ReturnType<typeof producerSpan>;
    await traced('write', async () => {
      producer = producerSpan('fanout publish', { [ATTR.seq]: 3 });
    });
    producer!.end();
    const seen = consumerSpan('fanout deliver', producer!.traceparent, { [ATTR.seq]: 3 }, () => currentTraceIds());
    const publish = byName('fanout publish');
    const deliver = byName('fanout deliver');
    expect(deliver.spanContext().traceId).toBe(publish.spanContext().traceId);
    expect(deliver.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
    expect(deliver.links.map((l) => l.context.spanId)).toEqual([publish.spanContext().spanId]);
    expect(seen?.span_id).toBe(deliver.spanContext().spanId);
    // No context, or a malformed one: just the work.
    expect(consumerSpan('x', 'garbage', {}, () => 1)).toBe(1);
    expect(spans().map((s) => s.name)).not.toContain('x');
  });

  it('a move that starts a trace and loses its coin (99 in 100 here) runs with no span at all', async () => {
    const mover = new Mover();
    for (let i = 0; i < 500; i++) await mover.move();
    const kept = spans().filter((s) => s.name === MOVE_SPAN).length;
    expect(kept).toBeLessThan(30);
    // Not even a non-recording one: no span context (so the Redis calls under it make none either).
    expect(mover.ids.filter((ids) => ids === undefined)).toHaveLength(500 - kept);
  });

  it('a move inside a sampled trace is its child, whatever its coin', async () => {
    const mover = new Mover();
    for (let i = 0; i < 5; i++) await traced('outer', () => mover.move());
    expect(spans().filter((s) => s.name === MOVE_SPAN)).toHaveLength(5);
    expect(byName(MOVE_SPAN).parentSpanContext?.spanId).toBe(byName('outer').spanContext().spanId);
  });

  it('no producer context outside a recording span (an unsampled request carries none)', () => {
    expect(producerSpan('fanout publish', {})).toBeUndefined();
  });
});
