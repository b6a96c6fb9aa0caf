import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { defaultSampling, MOVE_SPAN } from './sampler';

// Random ids, as the SDK makes them (the samplers of new traces here do not read them).
const TRACE_IDS = Array.from({ length: 2000 }, () => randomBytes(16).toString('hex'));

/** The share of new traces named `name` kept: not dropped before their span, then sampled. */
function keptShare(moveRatio: number, name: string, kind = SpanKind.INTERNAL): number {
  const { sampler, dropsRoot } = defaultSampling(moveRatio);
  const kept = TRACE_IDS.filter(
    (id) =>
      !dropsRoot(name) &&
      sampler.shouldSample(ROOT_CONTEXT, id, name, kind, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED,
  );
  return kept.length / TRACE_IDS.length;
}

function underParent(sampled: boolean, name: string): SamplingDecision {
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
  return defaultSampling(0).sampler.shouldSample(parent, 'a'.repeat(32), name, SpanKind.CONSUMER, {}, []).decision;
}

describe('the default sampler', () => {
  it('starts a trace for every request other than a move', () => {
    for (const name of ['ws enter', 'ws build', 'ws leave', 'ws say', 'ws refresh', 'GET /api/rooms'])
      expect(keptShare(0.01, name)).toBe(1);
  });

  it('keeps moves at their ratio', () => {
    expect(keptShare(0, MOVE_SPAN)).toBe(0);
    expect(keptShare(1, MOVE_SPAN)).toBe(1);
    const share = keptShare(0.25, MOVE_SPAN);
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.4);
  });

  it('drops unsampled moves before their span, and nothing else', () => {
    const { dropsRoot } = defaultSampling(0);
    expect(dropsRoot(MOVE_SPAN)).toBe(true);
    for (const name of ['ws enter', 'ws build', 'ws leave', 'fanout deliver', 'GET /api/rooms'])
      expect(dropsRoot(name)).toBe(false);
    expect(defaultSampling(1).dropsRoot(MOVE_SPAN)).toBe(false);
  });

  it('starts no trace for a client call made outside any request (a probe, the reaper)', () => {
    expect(keptShare(1, 'SELECT', SpanKind.CLIENT)).toBe(0);
  });

  it("follows the parent's decision whatever the span (a delivery joins its move's trace, or does not)", () => {
    expect(underParent(true, 'fanout deliver')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(underParent(true, MOVE_SPAN)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(underParent(false, 'ws build')).toBe(SamplingDecision.NOT_RECORD);
  });
});
