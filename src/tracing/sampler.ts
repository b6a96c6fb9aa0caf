import { type Attributes, type Context, type Link, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';
import type { RootDrop } from './tracing';

/** The span of the one request type that makes most of the traffic. */
export const MOVE_SPAN = 'ws move';

/**
 * The default sampling: a trace follows its parent's decision (a delivery on another instance, an
 * instrumented call inside a request); a new trace is kept at `moveRatio` when it starts with a
 * move (a busy room moves many times a second: 0.01 keeps a sample without drowning the
 * collector) and always otherwise (enters, builds, leaves, chat, HTTP: rare, and each worth
 * seeing). A client call that starts a trace (a MySQL query of a readiness probe, the reaper's
 * work) is made outside any request: not kept. OTEL_TRACES_SAMPLER replaces it (start.ts).
 *
 * A move's coin is tossed before its span is made (`dropsRoot`, see RootDrop in tracing.ts): the
 * moves it drops run with no span at all, and the sampler keeps every new move trace that reaches
 * it. The two go together; the sampler alone would keep every move.
 */
export function defaultSampling(moveRatio: number): { sampler: Sampler; dropsRoot: RootDrop } {
  return {
    sampler: new ParentBasedSampler({ root: new ByRootName(moveRatio) }),
    dropsRoot: (spanName) => spanName === MOVE_SPAN && Math.random() >= moveRatio,
  };
}

class ByRootName implements Sampler {
  private readonly kept = new AlwaysOnSampler();
  private readonly background = new AlwaysOffSampler();

  /** `moveRatio`: for toString only; the moves' coin is tossed before the sampler (dropsRoot). */
  constructor(private readonly moveRatio: number) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const by: Sampler = spanKind === SpanKind.CLIENT ? this.background : this.kept;
    return by.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `MyRoomSampler{${MOVE_SPAN}=${this.moveRatio} (tossed before the span), others=1}`;
  }
}
