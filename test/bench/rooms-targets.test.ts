import { roomsModeRows } from '../../bench/lib/report';
import { row, step, target } from './report-fixtures';

/** A step at `rateHz` whose server took `cpuPct` of a core (Redis 6 %) and whose enters and builds took these p99s. */
function stepWith(rateHz: number, othersP99: number, cpuPct: number, enterP99 = 5, buildP99 = 10) {
  const s = step(rateHz, 1, othersP99);
  return {
    ...s,
    server: { ...s.server, cpuPct },
    enter: { ...s.enter, p99: enterP99 },
    build: { ...s.build, p99: buildP99 },
  };
}

describe("the rooms run's rows for each mode of My Room", () => {
  // Every peer fails at its last step, so every ceiling is a figure, not a bound.
  const failAt = (rateHz: number, cpuPct: number) => stepWith(rateHz, 400, cpuPct);
  const rooms = {
    myroom: target('My Room', [stepWith(5, 20, 60, 30, 40), failAt(6, 70)]),
    'myroom-batch': target('My Room (batched frames)', [
      stepWith(5, 12, 55, 15, 40),
      stepWith(8, 60, 70),
      failAt(9, 80),
    ]),
    colyseus: target('Colyseus 0.16', [stepWith(5, 40, 90), failAt(6, 95)]),
    barews: target('bare ws', [stepWith(5, 30, 90), failAt(6, 95)]),
    'barews-corked': target('bare ws (corked)', [stepWith(5, 6, 50), failAt(11, 90)]),
  };
  // Ceilings are the last passing steps, as the ramp finds them.
  rooms.myroom.highestSustainableHz = 5;
  rooms['myroom-batch'].highestSustainableHz = 8;
  rooms.colyseus.highestSustainableHz = 5;
  rooms.barews.highestSustainableHz = 5;
  rooms['barews-corked'].highestSustainableHz = 10;

  it('judges one frame per event against each peer by the bars of the issue', () => {
    const rows = roomsModeRows(rooms, rooms.myroom, '');
    expect(row(rows, 'highest sustainable rate ≥ 1.5× Colyseus 0.16')).toMatch(/: 1\.00× \| \*\*missed\*\* \|$/);
    // 60 % + Redis 6 % against 90 % + 6 %: 0.69×; against the corked peer's 50 % + 6 %: 1.18×.
    expect(row(rows, 'server CPU per delivery at 5 Hz (ours with Redis) ≤ 1.0× bare ws |')).toMatch(
      /0\.69× \| \*\*met\*\* \|$/,
    );
    expect(row(rows, 'server CPU per delivery at 5 Hz (ours with Redis) ≤ 1.0× bare ws (corked)')).toMatch(
      /1\.18× \| \*\*missed\*\* \|$/,
    );
    expect(row(rows, 'p99 at 5 Hz ≤ 1.5× bare ws (corked)')).toMatch(
      /ours 20\.0 ms, theirs 6\.0 ms: 3\.33× \| \*\*missed\*\* \|$/,
    );
    expect(row(rows, 'enter p99 ≤ 20 ms during rooms (5 Hz step)')).toMatch(/30\.0 ms .* \*\*missed\*\* \|$/);
    expect(row(rows, 'build p99 ≤ 50 ms during rooms (5 Hz step)')).toMatch(/40\.0 ms .* \*\*met\*\* \|$/);
  });

  it('judges batched frames apart, each row naming the mode', () => {
    const rows = roomsModeRows(rooms, rooms['myroom-batch'], ', batched frames');
    expect(rows.every((r) => r.includes('batched frames'))).toBe(true);
    expect(row(rows, 'highest sustainable rate, batched frames ≥ 1.5× Colyseus 0.16')).toMatch(
      /ours 8 Hz .* theirs 5 Hz .*: 1\.60× \| \*\*met\*\* \|$/,
    );
    expect(row(rows, 'p99 at 5 Hz, batched frames ≤ 1.5× bare ws (corked)')).toMatch(
      /ours 12\.0 ms, theirs 6\.0 ms: 2\.00×/,
    );
    expect(row(rows, 'enter p99 ≤ 20 ms during rooms (5 Hz step, batched frames)')).toMatch(
      /15\.0 ms .* \*\*met\*\* \|$/,
    );
  });

  it('has no rows for a mode that was not run', () => {
    expect(roomsModeRows(rooms, undefined, ', batched frames')).toEqual([]);
  });
});
