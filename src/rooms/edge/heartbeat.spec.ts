import { heartbeatSlices, visitOncePerInterval } from './heartbeat';

interface Socket {
  id: number;
}

/** Runs a heartbeat over `sockets` under fake timers and records when each socket was visited. */
function heartbeatOver(sockets: Set<Socket>, intervalMs: number) {
  const visits = new Map<number, number[]>();
  const perTick: number[] = [];
  let lastTickAt = -1;
  const stop = visitOncePerInterval(
    () => sockets,
    intervalMs,
    (s) => {
      const now = Date.now();
      if (now !== lastTickAt) perTick.push(0);
      lastTickAt = now;
      perTick[perTick.length - 1]++;
      visits.set(s.id, [...(visits.get(s.id) ?? []), now]);
    },
  );
  return { visits, perTick, stop };
}

const socketsNumbered = (from: number, count: number): Socket[] =>
  Array.from({ length: count }, (_, i) => ({ id: from + i }));

describe('heartbeat slices', () => {
  it('keeps one slice for short intervals and at most 16 for long ones', () => {
    expect(heartbeatSlices(50)).toBe(1);
    expect(heartbeatSlices(100)).toBe(1);
    expect(heartbeatSlices(199)).toBe(1);
    expect(heartbeatSlices(200)).toBe(2);
    expect(heartbeatSlices(1000)).toBe(10);
    expect(heartbeatSlices(15_000)).toBe(16);
    expect(heartbeatSlices(600_000)).toBe(16);
  });
});

describe('visitOncePerInterval', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('visits every socket once per interval, an even slice of them per tick', () => {
    const sockets = new Set(socketsNumbered(0, 1000));
    const { visits, perTick, stop } = heartbeatOver(sockets, 15_000);
    jest.advanceTimersByTime(3 * 15_000 + 100);
    stop();

    expect(visits.size).toBe(1000);
    for (const times of visits.values()) {
      expect(times).toHaveLength(3);
      // Always one whole interval apart (16 ticks of 938 ms).
      expect(times[1] - times[0]).toBe(16 * 938);
      expect(times[2] - times[1]).toBe(16 * 938);
    }
    // 1000 sockets over 16 slices: 62 or 63 a tick, never all of them at once.
    expect(Math.min(...perTick)).toBe(62);
    expect(Math.max(...perTick)).toBe(63);
  });

  it('gives sockets that come later a slice of their own and the same spacing', () => {
    const sockets = new Set(socketsNumbered(0, 10));
    const { visits, stop } = heartbeatOver(sockets, 1000);
    jest.advanceTimersByTime(450);
    for (const s of socketsNumbered(100, 10)) sockets.add(s);
    jest.advanceTimersByTime(3000);
    stop();

    for (let id = 100; id < 110; id++) {
      const times = visits.get(id)!;
      // First seen at the tick after they came (500 ms), first visited within one interval of it.
      expect(times[0]).toBeGreaterThanOrEqual(500);
      expect(times[0]).toBeLessThan(1500);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(1000);
    }
  });

  it('never visits a socket twice within an interval while others leave and come', () => {
    const sockets = new Set(socketsNumbered(0, 200));
    const { visits, stop } = heartbeatOver(sockets, 2000);
    let next = 1000;
    for (let step = 0; step < 40; step++) {
      jest.advanceTimersByTime(150);
      // Churn: a few sockets close, a few open, so the set's order keeps changing.
      for (const s of [...sockets].filter((_, i) => i % 17 === step % 17)) sockets.delete(s);
      for (const s of socketsNumbered(next, 5)) sockets.add(s);
      next += 5;
    }
    stop();

    let checked = 0;
    for (const times of visits.values())
      for (let i = 1; i < times.length; i++) {
        expect(times[i] - times[i - 1]).toBe(2000);
        checked++;
      }
    expect(checked).toBeGreaterThan(100);
  });

  it('stops visiting once stopped', () => {
    const sockets = new Set(socketsNumbered(0, 3));
    const { visits, stop } = heartbeatOver(sockets, 100);
    jest.advanceTimersByTime(250);
    stop();
    jest.advanceTimersByTime(1000);
    expect([...visits.values()].map((t) => t.length)).toEqual([2, 2, 2]);
  });
});
