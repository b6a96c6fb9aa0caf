import { type Corked, WriteCoalescer } from './write-coalescer';

function socket(name: string, log: string[]): Corked {
  return { flush: () => log.push(name) };
}

describe('WriteCoalescer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('without a window, flushes every socket once at the end of the turn that wrote to it', () => {
    const log: string[] = [];
    const writes = new WriteCoalescer(0);
    writes.flushLater(socket('a', log));
    writes.flushLater(socket('b', log));
    expect(log).toEqual([]);
    jest.advanceTimersToNextTimer(); // the turn's setImmediate
    expect(log).toEqual(['a', 'b']);
    writes.flushLater(socket('c', log));
    jest.runOnlyPendingTimers();
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('without a window, a reply adds no second flush: the socket already goes out at the end of the turn', () => {
    const log: string[] = [];
    const writes = new WriteCoalescer(0);
    const a = socket('a', log);
    writes.flushLater(a);
    writes.flushAtTurnEnd(a);
    jest.runOnlyPendingTimers();
    expect(log).toEqual(['a']);
    expect(writes.holdsPastTurn).toBe(false);
    expect(new WriteCoalescer(1).holdsPastTurn).toBe(true);
  });

  it('with a window, holds sockets past the turn until the window that began with the first of them ends', () => {
    const log: string[] = [];
    const writes = new WriteCoalescer(20);
    writes.flushLater(socket('a', log));
    jest.advanceTimersByTime(15);
    writes.flushLater(socket('b', log)); // joins the window a opened: flushed at 20 ms, not 35
    expect(log).toEqual([]);
    jest.advanceTimersByTime(4);
    expect(log).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(log).toEqual(['a', 'b']);
    // The next write opens a new window.
    writes.flushLater(socket('c', log));
    jest.advanceTimersByTime(19);
    expect(log).toEqual(['a', 'b']);
    jest.advanceTimersByTime(1);
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('with a window, flushes a socket at the end of the turn when asked to (a reply)', () => {
    const log: string[] = [];
    const writes = new WriteCoalescer(50);
    const a = socket('a', log);
    writes.flushLater(a);
    writes.flushAtTurnEnd(a);
    jest.advanceTimersByTime(1);
    expect(log).toEqual(['a']);
    // The window still ends as planned; a socket with nothing left waiting ignores it.
    jest.advanceTimersByTime(49);
    expect(log).toEqual(['a', 'a']);
  });
});
