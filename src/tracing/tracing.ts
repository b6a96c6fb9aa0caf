import type * as OtelApi from '@opentelemetry/api';

/**
 * What the code base uses to make spans: the `@Traced()` decorator for service methods, `traced()`
 * for a step inside one, `tracePort()` for every call of an adapter, and the producer/consumer
 * pair that carries a trace across the fan-out.
 *
 * Off (no OTLP endpoint set) costs one `undefined` check per call: this file imports only types,
 * and the OpenTelemetry API and SDK are loaded by start.ts only when tracing starts, which then
 * hands the API and its tracer to `activateTracing`.
 *
 * Spans that are steps of a request (`child`) are made only under a span that records: a state
 * call or a lock wait on its own (the reaper, a channel's catch-up) is not worth a trace, and an
 * unsampled move then skips them entirely instead of making non-recording spans.
 */

type Api = typeof OtelApi;

/**
 * Answers true for a new trace (a span with no parent) named `name` that the sampler would not
 * keep, decided before any span is made: the request then runs with no span at all, so the
 * instrumented Redis calls under it (which need a parent span) make none either, instead of a
 * non-recording span each. Only for samplers whose decision for such a span is this coin: ours.
 */
export type RootDrop = (name: string) => boolean;

interface Active {
  api: Api;
  tracer: OtelApi.Tracer;
  dropsRoot?: RootDrop;
}

let active: Active | undefined;

export function activateTracing(api: Api, tracer: OtelApi.Tracer, dropsRoot?: RootDrop): void {
  active = { api, tracer, dropsRoot };
}

export function deactivateTracing(): void {
  active = undefined;
}

export function tracingActive(): boolean {
  return active !== undefined;
}

/** Attribute names shared by every span we make. */
export const ATTR = {
  room: 'myroom.room_id',
  user: 'myroom.user_id',
  result: 'myroom.result_code',
  seq: 'myroom.seq',
} as const;

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface TraceOptions<A extends unknown[] = unknown[]> {
  /** Only as a step of a recording span (see above). */
  child?: boolean;
  /** Attributes from the call's arguments (read before the call). */
  attributes?: (...args: A) => SpanAttributes;
  /** Records `myroom.result_code`: OK, or the thrown error's `code` (a request's outcome). */
  result?: boolean;
}

/**
 * Marks a method as traced: one span per call named `name` (default `Class.method`), ended when
 * its promise settles, with the error recorded if it throws.
 */
export function Traced<A extends unknown[]>(name?: string, options: TraceOptions<A> = {}) {
  return (target: object, key: string | symbol, desc: PropertyDescriptor): void => {
    const original = desc.value as (this: unknown, ...args: A) => unknown;
    const spanName = name ?? `${target.constructor.name}.${String(key)}`;
    desc.value = function (this: unknown, ...args: A): unknown {
      if (active === undefined) return original.apply(this, args);
      return inSpan(active, spanName, options, args, () => original.apply(this, args));
    };
    // Keep the original's name, so stack traces and Nest's reflection read the same.
    Object.defineProperty(desc.value, 'name', { value: original.name });
  };
}

/** `fn` in a span named `name`: a step a decorator cannot mark (part of a method). */
export function traced<T>(name: string, fn: () => T, options: TraceOptions<[]> = {}): T {
  if (active === undefined) return fn();
  return inSpan(active, name, options, [], fn) as T;
}

/**
 * `port` with a span per method call (`<prefix>.<method>`), steps of a request only. Returns the
 * port itself when tracing is off, so the hot path is untouched. Calls the port makes on itself
 * stay inside it and are not traced.
 */
export function tracePort<T extends object>(prefix: string, port: T): T {
  if (active === undefined) return port;
  const traced = Object.create(port) as Record<string, unknown>;
  for (let proto = Object.getPrototypeOf(port) as object | null; proto && proto !== Object.prototype;) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      // Methods only (a getter is read through the prototype as before); the nearest one wins.
      const method = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
      if (key === 'constructor' || typeof method !== 'function' || Object.hasOwn(traced, key)) continue;
      const name = `${prefix}.${key}`;
      traced[key] = (...args: unknown[]) => {
        const call = () => (method as (...a: unknown[]) => unknown).apply(port, args);
        return active === undefined ? call() : inSpan(active, name, { child: true }, args, call);
      };
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return traced as T;
}

/** The ids of the span this code runs in, for log lines; undefined outside one (or when off). */
export function currentTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (active === undefined) return undefined;
  const ctx = active.api.trace.getActiveSpan()?.spanContext();
  if (!ctx || !active.api.isSpanContextValid(ctx)) return undefined;
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

/** A span that hands work to another instance; `traceparent` goes with the message. */
export interface ProducerSpan {
  /** W3C traceparent of this span. */
  traceparent: string;
  end(err?: unknown): void;
}

/**
 * A producer span under the current recording span (a sampled request), or undefined: messages of
 * unsampled requests carry no context, so their deliveries make no spans either.
 */
export function producerSpan(name: string, attributes: SpanAttributes): ProducerSpan | undefined {
  if (active === undefined) return undefined;
  const { api, tracer } = active;
  if (!api.trace.getActiveSpan()?.isRecording()) return undefined;
  const span = tracer.startSpan(name, { kind: api.SpanKind.PRODUCER, attributes: clean(attributes) });
  const c = span.spanContext();
  return {
    traceparent: `00-${c.traceId}-${c.spanId}-0${(c.traceFlags & 1).toString(16)}`,
    end: (err?: unknown) => {
      if (err !== undefined) fail(api, span, err);
      span.end();
    },
  };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * `fn` in a consumer span for a message whose producer's context is `traceparent`: a child of
 * the producer (so the delivery shows in the writer's trace) and linked to it, as messaging spans
 * are. Without a (valid) context, just `fn`.
 */
export function consumerSpan<T>(
  name: string,
  traceparent: string | undefined,
  attributes: SpanAttributes,
  fn: () => T,
): T {
  if (active === undefined || traceparent === undefined) return fn();
  const m = TRACEPARENT.exec(traceparent);
  if (!m) return fn();
  const { api, tracer } = active;
  const producer: OtelApi.SpanContext = { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true };
  if (!api.isSpanContextValid(producer)) return fn();
  const parent = api.trace.setSpanContext(api.ROOT_CONTEXT, producer);
  const span = tracer.startSpan(
    name,
    { kind: api.SpanKind.CONSUMER, attributes: clean(attributes), links: [{ context: producer }] },
    parent,
  );
  try {
    return api.context.with(api.trace.setSpan(parent, span), fn);
  } catch (err) {
    fail(api, span, err);
    throw err;
  } finally {
    span.end();
  }
}

function inSpan<A extends unknown[]>(
  a: Active,
  name: string,
  options: TraceOptions<A>,
  args: A,
  fn: () => unknown,
): unknown {
  const { api, tracer } = a;
  if (options.child) {
    if (!api.trace.getActiveSpan()?.isRecording()) return fn();
  } else if (a.dropsRoot?.(name) && api.trace.getActiveSpan() === undefined) return fn();
  const attributes = options.attributes ? clean(options.attributes(...args)) : {};
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    const ok = (value: unknown) => {
      if (options.result) span.setAttribute(ATTR.result, 'OK');
      span.end();
      return value;
    };
    const failed = (err: unknown) => {
      if (options.result) span.setAttribute(ATTR.result, codeOf(err) ?? 'INTERNAL');
      fail(api, span, err);
      span.end();
      throw err;
    };
    let result: unknown;
    try {
      result = fn();
    } catch (err) {
      return failed(err);
    }
    return result instanceof Promise ? result.then(ok, failed) : ok(result);
  });
}

/**
 * A refusal the protocol answers (BLOCKED, CONFLICT…) is the request's outcome, not a fault of
 * the server: only errors without a code, INTERNAL and UNAVAILABLE mark the span as failed.
 */
function fail(api: Api, span: OtelApi.Span, err: unknown): void {
  const code = codeOf(err);
  if (code !== undefined && code !== 'INTERNAL' && code !== 'UNAVAILABLE') return;
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function clean(attributes: SpanAttributes): OtelApi.Attributes {
  const out: OtelApi.Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = v;
  return out;
}
