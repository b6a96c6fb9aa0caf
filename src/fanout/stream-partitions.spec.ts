import { allEventStreams, controlQueueName, eventStreamName, partitionOf } from './stream-partitions';

describe('partitionOf', () => {
  it('is a fixed function of the room id (same answer in every process and version)', () => {
    // Pinned values: if these change, instances of two versions would read different streams.
    expect(partitionOf('1', 8)).toBe(partitionOf('1', 8));
    expect([partitionOf('1', 8), partitionOf('2', 8), partitionOf('room-42', 8), partitionOf('', 8)]).toEqual([
      4, 5, 3, 5,
    ]);
    expect(partitionOf('ü', 1000)).toBe(partitionOf('ü', 1000));
  });

  it('stays within [0, partitions)', () => {
    for (const n of [1, 2, 7, 8, 256]) {
      for (let i = 0; i < 500; i++) {
        const p = partitionOf(`room-${i}`, n);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(n);
        expect(Number.isInteger(p)).toBe(true);
      }
    }
  });

  it('spreads many rooms roughly evenly', () => {
    const counts = new Array(8).fill(0) as number[];
    for (let i = 1; i <= 8000; i++) counts[partitionOf(String(i), 8)]++;
    for (const c of counts) {
      expect(c).toBeGreaterThan(800);
      expect(c).toBeLessThan(1200);
    }
  });
});

describe('names', () => {
  it('derive from the prefix', () => {
    expect(eventStreamName('myroom', 3)).toBe('myroom.events.3');
    expect(controlQueueName('myroom', 'app1')).toBe('myroom.control.app1');
    expect(allEventStreams('t.x', 3)).toEqual(['t.x.events.0', 't.x.events.1', 't.x.events.2']);
  });
});
