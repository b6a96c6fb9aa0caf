import { CEILING_RESOLUTION_HZ, nextBisection } from '../../bench/lib/scenarios';

/** Runs the bisection against a server whose true ceiling is `ceiling`, from a 1 Hz ladder's last pass and first failure. */
function pin(ok: number, failed: number, ceiling: number): { ok: number; failed: number; steps: number[] } {
  const steps: number[] = [];
  for (let mid = nextBisection(ok, failed); mid !== undefined; mid = nextBisection(ok, failed)) {
    steps.push(mid);
    if (mid <= ceiling) ok = mid;
    else failed = mid;
  }
  return { ok, failed, steps };
}

describe('the bench ramp pins its ceiling by bisection', () => {
  it.each([9, 9.25, 9.5, 9.75])('finds a ceiling of %p Hz between a pass at 9 and a failure at 10', (ceiling) => {
    const r = pin(9, 10, ceiling);
    expect(r.ok).toBe(ceiling);
    expect(r.failed - r.ok).toBeLessThanOrEqual(CEILING_RESOLUTION_HZ);
    expect(r.steps.length).toBeLessThanOrEqual(2);
  });

  it('narrows a wide gap (a pass at 2, a failure at 10) in a few steps', () => {
    const r = pin(2, 10, 6.6);
    expect(r.ok).toBe(6.5);
    expect(r.failed).toBe(6.75);
    expect(r.steps.length).toBeLessThanOrEqual(5);
  });

  it('has nothing to look at without a pass below the failure, or once the gap is pinned', () => {
    expect(nextBisection(undefined, 3)).toBeUndefined();
    expect(nextBisection(9.75, 10)).toBeUndefined();
  });
});
