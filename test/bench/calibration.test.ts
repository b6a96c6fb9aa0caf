import {
  compareSpeed,
  COMPARABLE_WITHIN,
  describeComparison,
  referenceSpeed,
  speedOf,
} from '../../bench/lib/calibration';
import type { PhaseResult } from '../../bench/lib/pool';
import type { StoredResult } from '../../bench/lib/report';

const step = (rateHz: number, cpuPct: number, botCpuPct: number, deliveriesPerSec = 20_000) =>
  ({ rateHz, server: { cpuPct, peakRssMb: 50, machineCpuPct: 100 }, botCpuPct, deliveriesPerSec }) as PhaseResult;

function rooms(steps: PhaseResult[], date = '2026-12-07T12:54:00.000Z'): StoredResult {
  return {
    scenario: 'rooms',
    description: '',
    date,
    machine: { cores: 2, cpu: 'AMD EPYC', memoryGb: 24, node: 'v20', os: 'Linux' },
    targets: {
      myroom: { label: 'My Room', steps: [step(1, 46.5, 36.4)] },
      'barews-corked': { label: 'corked', steps },
    },
  };
}

describe('calibration: this box against the box of the stored rooms run', () => {
  it("takes CPU per delivery from a step's share of a core and its deliveries", () => {
    // 25.8 % of a core is 258,000 µs a second; over 20,000 deliveries that is 12.9 µs each.
    expect(speedOf(step(1, 25.8, 36.3))).toEqual({ serverUs: 12.9, botUs: 18.15 });
    expect(() => speedOf(step(1, 10, 10, 0))).toThrow(/delivered nothing/);
  });

  it("finds the corked peer's 1 Hz step of the stored run, not another server's or rate's", () => {
    const ref = referenceSpeed(rooms([step(2, 40, 50, 40_000), step(1, 25.8, 36.3)]));
    expect(ref).toEqual({ serverUs: 12.9, botUs: 18.15, date: '2026-12-07T12:54:00.000Z' });
    expect(referenceSpeed(rooms([step(2, 40, 50, 40_000)]))).toBeUndefined();
    expect(referenceSpeed(undefined)).toBeUndefined();
  });

  it('calls a box 1.8× slower not comparable, and says to compare ratios within one run', () => {
    const c = compareSpeed({ serverUs: 23.1, botUs: 32.25 }, { serverUs: 12.9, botUs: 18.15 });
    expect(c.serverRatio).toBeCloseTo(1.79, 2);
    expect(c.botRatio).toBeCloseTo(1.78, 2);
    expect(c.slowdown).toBeCloseTo(Math.sqrt(c.serverRatio * c.botRatio), 10);
    expect(c.comparable).toBe(false);
    const text = describeComparison(c);
    expect(text).toMatch(/together 1\.78×/);
    expect(text).toMatch(/^slower than that box: compare ratios/m);
  });

  it('calls a box within the margin comparable, either way, and one past it faster', () => {
    const ref = { serverUs: 10, botUs: 10 };
    const edge = 1 + COMPARABLE_WITHIN - 0.01;
    expect(compareSpeed({ serverUs: 10 * edge, botUs: 10 * edge }, ref).comparable).toBe(true);
    expect(compareSpeed({ serverUs: 10 / edge, botUs: 10 / edge }, ref).comparable).toBe(true);
    const fast = compareSpeed({ serverUs: 7, botUs: 7 }, ref);
    expect(fast.comparable).toBe(false);
    expect(describeComparison(fast)).toMatch(/^faster than that box/m);
    expect(describeComparison(compareSpeed(ref, ref))).toMatch(/^comparable/m);
  });
});
