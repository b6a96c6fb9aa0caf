import { type Attributes, type Context, type Link, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';

/** The span of the one request type that makes most of the traffic. */
export const MOVE_SPAN = 'ws move';

/**
 * The default sampler: a trace follows its parent's decision (a delivery on another instance, an
 * instrumented call inside a request); a new trace is kept at `moveRatio` when it starts with a
 * move (a busy room moves many times a second: 0.01 keeps a sample without drowning the
 * collector) and always otherwise (enters, builds, leaves, chat, HTTP: rare, and each worth
 * seeing). A client call that starts a trace (a MySQL query of a readiness probe, the reaper's
 * work) is made outside any request: not kept. OTEL_TRACES_SAMPLER replaces it (start.ts).
 */
export function defaultSampler(moveRatio: number): Sampler {
  return new ParentBasedSampler({ root: new ByRootName(moveRatio) });
}

class ByRootName implements Sampler {
  private readonly moves: Sampler;
  private readonly others = new AlwaysOnSampler();
  private readonly background = new AlwaysOffSampler();

  constructor(private readonly moveRatio: number) {
    this.moves = new TraceIdRatioBasedSampler(moveRatio);
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const by = spanName === MOVE_SPAN ? this.moves : spanKind === SpanKind.CLIENT ? this.background : this.others;
    return by.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `MyRoomSampler{${MOVE_SPAN}=${this.moveRatio}, others=1}`;
  }
}
