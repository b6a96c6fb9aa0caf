import { clusterTargetRows } from '../../bench/lib/report';
import { clusterTargets, type TargetResult } from '../../bench/lib/scenarios';
import { roomSpread, SERVICES } from '../../bench/lib/targets';
import Redis from 'ioredis';
import { row, step, stored, target } from './report-fixtures';

describe('the first-targets rows of the cluster run', () => {
  // The rooms run's single instance ramps from 2 Hz: it has no 1 Hz step to compare with.
  const roomsOne = target('My Room', [step(2, 0.4, 11), step(5, 1, 44)], '2026-12-01T03:22:54.721Z');
  const cluster = stored('cluster', {
    myroom: target('My Room', [step(1, 0.3, 2.6), step(2, 0.4, 11.5)]),
    cluster: target('My Room ×2 (gateway)', [step(1, 0.5, 7.2, 14.1), step(2, 1, 7.5, 24.5)]),
    workers: target('My Room WORKERS=2 (one port)', [step(1, 16.4, 41, 18.1), step(2, 13.6, 37.7, 31.6)]),
  });

  it('compares each variant at 1 Hz with the single instance of the same run, not the rooms run', () => {
    const rows = clusterTargetRows({ cluster, rooms: stored('rooms', { myroom: roomsOne }) }, roomsOne);
    const c = row(rows, 'cluster (2 instances, haproxy, room affinity) adds ≤ 5 ms p99 at 1 Hz');
    expect(c).toContain('×2 7.2 ms, one 2.6 ms');
    expect(c).not.toContain('not the same run');
    expect(c).toMatch(/\*\*met\*\* \|$/);
    const w = row(rows, 'WORKERS=2 (2 instances, one port) adds ≤ 5 ms p99 at 1 Hz');
    expect(w).toContain('×2 41.0 ms, one 2.6 ms');
    expect(w).toMatch(/\*\*missed\*\* \|$/);
    // The ceilings too: the same run's single instance, 2 Hz here (the rooms run's is 5 Hz).
    expect(row(rows, 'cluster (2 instances, haproxy, room affinity) ≥ 0.8× one instance')).toContain('one 2 Hz: 1.00×');
  });

  it("falls back to the rooms run's single instance only without one in the cluster run, and says so", () => {
    const { myroom: _, ...multiOnly } = cluster.targets;
    const rows = clusterTargetRows({ cluster: { ...cluster, targets: multiOnly } }, roomsOne);
    const c = row(rows, 'cluster (2 instances, haproxy, room affinity) adds ≤ 5 ms p99 at 1 Hz');
    expect(c).toContain('one – ms');
    expect(c).toContain('not the same run: 2026-12-01T01:19 and 2026-12-01T03:22');
    expect(c).toMatch(/not measured \|$/);
    expect(row(rows, 'cluster (2 instances, haproxy, room affinity) ≥ 0.8× one instance')).toContain('one 5 Hz');
  });

  it("reports the broker's CPU per room event for each variant, judged at its highest step that met the bar", () => {
    const rows = clusterTargetRows({ cluster });
    const b = row(rows, 'broker CPU ≤ 20 µs per room event');
    // 24.5 % of a core over 2,000 events/s = 123 µs each; 31.6 % → 158 µs.
    expect(b).toContain('cluster: 123 µs at 2 Hz');
    expect(b).toContain('WORKERS=2: 158 µs at 2 Hz');
    expect(b).toContain('every step: 141 µs at 1 Hz, 123 µs at 2 Hz');
    expect(b).toMatch(/\*\*missed\*\* \|$/);

    const cheap = stored('cluster', { cluster: target('My Room ×2 (gateway)', [step(4, 1, 8, 6)]) });
    expect(row(clusterTargetRows({ cluster: cheap }), 'broker CPU')).toMatch(/15 µs at 4 Hz.*\*\*met\*\* \|$/);
  });

  it("splits a gateway-fronted variant's extra p99 at 1 Hz between haproxy and the second instance", () => {
    const withGateway = stored('cluster', {
      ...cluster.targets,
      gateway: target('My Room behind the gateway (one instance)', [step(1, 0.4, 4.1), step(2, 0.5, 9)]),
    });
    const rows = clusterTargetRows({ cluster: withGateway });
    // One instance sustained 2 Hz with and without haproxy in front of it.
    expect(row(rows, 'one instance behind the gateway (haproxy, no second instance)')).toContain(
      'one instance without it 2 Hz: 1.00×',
    );
    // 7.2 ms with two instances, 2.6 ms with one: 4.1 − 2.6 = +1.5 ms is haproxy's, 7.2 − 4.1 = +3.1 ms the rest.
    expect(row(rows, 'cluster (2 instances, haproxy, room affinity) adds ≤ 5 ms p99 at 1 Hz')).toContain(
      '; one behind the gateway 4.1 ms: the gateway +1.5 ms, the second instance and the broker +3.1 ms',
    );
    // WORKERS=2 has no gateway in front: nothing of haproxy's to take out.
    expect(row(rows, 'WORKERS=2 (2 instances, one port) adds ≤ 5 ms p99 at 1 Hz')).not.toContain('behind the gateway');
    // Without the same run's single instance there is no ratio to give.
    const { myroom: _, ...noSingle } = withGateway.targets;
    const fallback = clusterTargetRows({ cluster: { ...withGateway, targets: noSingle } }, roomsOne);
    expect(fallback.some((r) => r.startsWith('| one instance behind the gateway'))).toBe(false);
  });

  it('judges the added p99 at 1 Hz round by round when the run had rounds, not across median rounds', () => {
    const rounds = (t: TargetResult, p99s: (number | null)[]): TargetResult => ({
      ...t,
      roundOthersAt1Hz: p99s.map((p99) => (p99 === null ? null : { p50: 1, p99 })),
    });
    // The single instance's median round (by ceiling) was its disturbed one: 68.7 ms at 1 Hz. Set
    // against the cluster's median round that would read as the cluster taking 11.6 ms off.
    const run = stored('cluster', {
      myroom: rounds(target('My Room', [step(1, 1.8, 68.7), step(2, 2, 9)]), [68.7, 15.4, 12.1]),
      gateway: rounds(target('My Room behind the gateway (one instance)', [step(1, 2, 31.8)]), [45, 31.8, 20]),
      cluster: rounds(target('My Room ×2 (gateway)', [step(1, 7, 57.1)]), [57.1, 40, 30]),
      workers: rounds(target('My Room WORKERS=2 (one port)', [step(1, 20, 70.3)]), [null, 70.3, 60]),
    });
    const rows = clusterTargetRows({ cluster: run });
    // Differences by round: −11.6, +24.6, +17.9 ms; their median +17.9 ms is over the bar.
    const affinity = row(rows, 'cluster (2 instances, haproxy, room affinity) adds ≤ 5 ms p99 at 1 Hz');
    expect(affinity).toContain(
      'p99 to the others by round, ×2 / one / one behind the gateway: 57.1 / 68.7 / 45.0, 40.0 / 15.4 / 31.8, 30.0 / 12.1 / 20.0 ms; added +17.9 ms',
    );
    // Gateway − one: −23.7, +16.4, +7.9 → +7.9; ×2 − gateway: +12.1, +8.2, +10.0 → +10.0.
    expect(affinity).toContain('of that the gateway +7.9 ms, the second instance and the broker +10.0 ms');
    expect(affinity).toMatch(/\*\*missed\*\* \|$/);
    // WORKERS=2 has no round 1 at 1 Hz: rounds 2 and 3 only (+54.9, +47.9 → the lower middle +47.9).
    expect(row(rows, 'WORKERS=2 (2 instances, one port) adds ≤ 5 ms p99 at 1 Hz')).toContain(
      'p99 to the others by round, ×2 / one: 70.3 / 15.4, 60.0 / 12.1 ms; added +47.9 ms',
    );
    // A run within the bar by round is met.
    const close = stored('cluster', {
      myroom: rounds(target('My Room', [step(1, 1, 10)]), [10, 20, 30]),
      cluster: rounds(target('My Room ×2 (gateway)', [step(1, 1, 40)]), [14, 22, 40]),
    });
    expect(row(clusterTargetRows({ cluster: close }), 'cluster (2 instances, haproxy, room affinity) adds')).toMatch(
      /added \+4\.0 ms .*\*\*met\*\* \|$/,
    );
  });

  it('says the broker was not measured when no step sampled it', () => {
    const unsampled = stored('cluster', { cluster: target('My Room ×2 (gateway)', [step(1, 0.5, 7)]) });
    expect(row(clusterTargetRows({ cluster: unsampled }), 'broker CPU')).toMatch(/not measured \|$/);
  });

  it('says how many rooms had players on both instances, for each variant that counted them', () => {
    const spread = stored('cluster', {
      myroom: target('My Room', [step(1, 0.3, 2.6)]),
      cluster: {
        ...target('My Room ×2 (gateway)', [step(1, 0.5, 3)]),
        spread: { rooms: 50, spanning: 0, perInstance: [26, 24] },
      },
      'cluster-spread': {
        ...target('My Room ×2 (gateway, no room hint)', [step(1, 4, 40)]),
        spread: { rooms: 50, spanning: 50, perInstance: [50, 50] },
      },
    });
    const rows = clusterTargetRows({ cluster: spread });
    expect(row(rows, 'cluster (2 instances, haproxy, room affinity): rooms with players on both')).toContain(
      '0 of 50 (each of their events crosses the broker to reach some players); rooms per instance 26 / 24',
    );
    expect(
      row(rows, 'cluster, no room hint (2 instances, haproxy, each room spread): rooms with players on both'),
    ).toContain('50 of 50');
    expect(row(rows, 'cluster, no room hint (2 instances, haproxy, each room spread) adds ≤ 5 ms p99 at 1 Hz')).toMatch(
      /×2 40\.0 ms, one 2\.6 ms.*\*\*missed\*\* \|$/,
    );
  });
});

describe('clusterTargets', () => {
  it('runs both two-instance variants when only the default servers are named', () => {
    expect(clusterTargets(['myroom', 'colyseus', 'socketio', 'barews', 'barews-corked'])).toEqual([
      'cluster',
      'workers',
    ]);
  });

  it('runs the single instance beside a two-instance variant or the gateway, and nothing else', () => {
    expect(clusterTargets(['myroom', 'gateway'])).toEqual(['myroom', 'gateway']);
    expect(clusterTargets(['gateway'])).toEqual(['gateway']);
    expect(clusterTargets(['myroom', 'colyseus', 'cluster-spread'])).toEqual(['myroom', 'cluster-spread']);
  });
});

describe('roomSpread', () => {
  const prefix = `test:spread:${process.pid}:`;
  const redis = new Redis(SERVICES.redis, { keyPrefix: prefix });
  afterAll(async () => {
    await redis.del('instance:{a}:sessions', 'instance:{b}:sessions', 'room:{1}:seq');
    redis.disconnect();
  });

  it("counts the rooms whose players the instances' session records put on more than one instance", async () => {
    await redis.hset('instance:{a}:sessions', { s1: '1|u1|player', s2: '2|u2|player', s3: '3|u3|spectator' });
    await redis.hset('instance:{b}:sessions', { s4: '2|u4|player', s5: '4|u5|player' });
    await redis.set('room:{1}:seq', '7'); // not a sessions key: ignored
    expect(await roomSpread(prefix)).toEqual({ rooms: 4, spanning: 1, perInstance: [3, 2] });
  });
});
