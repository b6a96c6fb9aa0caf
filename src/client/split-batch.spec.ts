import { splitBatch } from './batch-frame';

describe('splitBatch', () => {
  it.each([
    [
      [
        { type: 'moved', seq: 1, userId: 'a', x: 1, y: 2, dir: 'up' },
        { type: 'left', seq: 2, userId: 'b', reason: 'leave' },
      ],
    ],
    [
      [
        { type: 'entered', seq: 3, member: { userId: 'z', name: 'Zoë "}{" \\ ] [ 🧱', x: 0, y: 0 } },
        { id: 'c1', type: 'moved', seq: 4 },
      ],
    ],
    [[{ type: 'built', seq: 5, map: { objects: [{ id: 'o1', x: 1 }, { id: 'o2' }] }, members: [] }]],
    [[]],
  ])("returns each event's own text, in order: %j", (events) => {
    const texts = events.map((e) => JSON.stringify(e));
    const frame = `{"type":"batch","events":[${texts.join(',')}]}`;
    expect(splitBatch(frame)).toEqual(texts);
    expect(splitBatch(frame).map((t) => JSON.parse(t))).toEqual((JSON.parse(frame) as { events: unknown[] }).events);
  });
});
