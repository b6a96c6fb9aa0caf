import { medianRound } from '../../bench/lib/rounds';
import type { TargetResult } from '../../bench/lib/scenarios';
import type { PhaseResult } from '../../bench/lib/pool';

/** A ramp result whose ceiling is `hz` (undefined: no step passed); its one step is tagged by `tag`. */
function ramp(label: string, hz: number | undefined, tag: number): TargetResult {
  const others = { count: 1, p50: 1, p90: 1, p99: 1, max: 1 };
  return { label, highestSustainableHz: hz, steps: [{ rateHz: tag, others } as PhaseResult] };
}

describe(medianRound.name, () => {
  it('keeps a single round as it is', () => {
    const only = { myroom: ramp('My Room', 4, 1) };
    expect(medianRound([only])).toBe(only);
  });

  it("keeps each server's median round by ceiling, with every round's ceiling in round order", () => {
    const out = medianRound([
      { myroom: ramp('My Room', 8.75, 1), colyseus: ramp('Colyseus', 6, 1) },
      { myroom: ramp('My Room', 8, 2), colyseus: ramp('Colyseus', 7, 2) },
      { myroom: ramp('My Room', 10.75, 3), colyseus: ramp('Colyseus', 7, 3) },
    ]);
    expect(out.myroom).toMatchObject({ highestSustainableHz: 8.75, roundCeilingsHz: [8.75, 8, 10.75] });
    expect(out.myroom?.steps?.[0].rateHz).toBe(1);
    expect(out.colyseus).toMatchObject({ highestSustainableHz: 7, roundCeilingsHz: [6, 7, 7] });
  });

  it('takes the lower middle round of an even count, and ranks a round where no step passed lowest', () => {
    const out = medianRound([
      { barews: ramp('bare ws', 3, 1) },
      { barews: ramp('bare ws', undefined, 2) },
      { barews: ramp('bare ws', 5, 3) },
      { barews: ramp('bare ws', 4, 4) },
    ]);
    expect(out.barews).toMatchObject({ highestSustainableHz: 3, roundCeilingsHz: [3, null, 5, 4] });
    expect(out.barews?.steps?.[0].rateHz).toBe(1);
  });

  it('leaves out rounds that failed to run, and keeps an error only when every round failed', () => {
    const out = medianRound([
      { myroom: { label: 'My Room', error: 'did not start' }, colyseus: { label: 'Colyseus', error: 'crashed' } },
      { myroom: ramp('My Room', 5, 2), colyseus: { label: 'Colyseus', error: 'crashed again' } },
    ]);
    expect(out.myroom).toMatchObject({ highestSustainableHz: 5, roundCeilingsHz: [5] });
    expect(out.colyseus).toEqual({ label: 'Colyseus', error: 'crashed again' });
  });

  it("keeps every round's latency to the others at 1 Hz in round order, null where a round has no 1 Hz step", () => {
    const at1Hz = (label: string, hz: number, p50: number, p99: number): TargetResult => ({
      label,
      highestSustainableHz: hz,
      steps: [{ rateHz: 1, others: { count: 1, p50, p90: p50, p99, max: p99 } } as PhaseResult],
    });
    const out = medianRound([
      { myroom: at1Hz('My Room', 5, 1.8, 68.7) },
      { myroom: { label: 'My Room', error: 'did not start' } },
      { myroom: ramp('My Room', 4, 2) },
      { myroom: at1Hz('My Room', 4.5, 0.7, 15.4) },
    ]);
    expect(out.myroom?.roundOthersAt1Hz).toEqual([{ p50: 1.8, p99: 68.7 }, null, null, { p50: 0.7, p99: 15.4 }]);
    // The ceilings leave out the round that failed to run; the latencies keep its place.
    expect(out.myroom?.roundCeilingsHz).toEqual([5, 4, 4.5]);
  });

  it('keeps the last round of a scenario without ramps', () => {
    const storm = (n: number): TargetResult => ({ label: 'My Room', idle: { baseRssMb: n, points: [], botRssMb: 0 } });
    expect(medianRound([{ myroom: storm(1) }, { myroom: storm(2) }]).myroom).toEqual(storm(2));
  });
});
