import { type BacklogMarks, SlowConsumerGate } from './slow-consumer';

const marks: BacklogMarks = { lowBytes: 100, softBytes: 1000, hardBytes: 5000, cutAfterMs: 2000 };

function gateAt(start = 0) {
  const clock = { now: start };
  return { gate: new SlowConsumerGate(marks, () => clock.now), clock };
}

describe('SlowConsumerGate', () => {
  it('sends room events up to the soft mark, then drops them and counts the drops', () => {
    const { gate } = gateAt();
    expect(gate.onEvent(0)).toBe('send');
    expect(gate.onEvent(1000)).toBe('send');
    expect(gate.onEvent(1001)).toBe('drop');
    expect(gate.state).toBe('lagging');
    // Once lagging, a backlog back under the soft mark does not resume events: only a welcome does.
    expect(gate.onEvent(500)).toBe('drop');
    expect(gate.dropped).toBe(2);
  });

  it('still lets its own frames out while lagging, up to the hard mark', () => {
    const { gate } = gateAt();
    gate.onEvent(2000);
    expect(gate.onOwnFrame(2000)).toBe('send');
    expect(gate.onOwnFrame(5001)).toBe('cut');
  });

  it('recovers below the low mark (not between low and soft), then sends events again', () => {
    const { gate, clock } = gateAt();
    gate.onEvent(2000);
    clock.now = 500;
    expect(gate.check(500)).toBe('wait');
    expect(gate.check(100)).toBe('wait');
    expect(gate.check(99)).toBe('recover');
    expect(gate.state).toBe('recovering');
    // While the welcome is being built, events are still held back and checks wait.
    expect(gate.onEvent(0)).toBe('drop');
    expect(gate.check(0)).toBe('wait');
    gate.recovered();
    expect(gate.isLive).toBe(true);
    expect(gate.onEvent(0)).toBe('send');
  });

  it('cuts a socket that has not drained below the low mark within cutAfterMs of lagging', () => {
    const { gate, clock } = gateAt(10_000);
    gate.onEvent(1500);
    clock.now = 11_999;
    expect(gate.check(1500)).toBe('wait');
    clock.now = 12_000;
    expect(gate.check(1500)).toBe('cut');
  });

  it('cuts at once past the hard mark, whatever the state', () => {
    const { gate } = gateAt();
    expect(gate.onEvent(5001)).toBe('cut');
    gate.onEvent(2000);
    expect(gate.check(6000)).toBe('cut');
  });

  it('after a failed recovery, lags again with a fresh cut clock', () => {
    const { gate, clock } = gateAt();
    gate.onEvent(2000);
    clock.now = 1900;
    expect(gate.check(0)).toBe('recover');
    gate.recoveryFailed();
    expect(gate.state).toBe('lagging');
    clock.now = 3000;
    expect(gate.check(500)).toBe('wait');
    clock.now = 3900;
    expect(gate.check(500)).toBe('cut');
  });

  it('starts a fresh episode (and drop count) after recovering', () => {
    const { gate, clock } = gateAt();
    gate.onEvent(2000);
    gate.check(0);
    gate.recovered();
    clock.now = 60_000;
    expect(gate.onEvent(2000)).toBe('drop');
    expect(gate.dropped).toBe(1);
    clock.now = 61_000;
    expect(gate.check(2000)).toBe('wait');
  });
});
