import { PendingBatch, RoomTurn } from './event-batch';
import { jsonCodec } from './json-codec';

describe('batched event frames', () => {
  const texts = ['{"type":"moved","seq":1}', '{"type":"left","seq":2}', '{"type":"moved","seq":3}'];

  it("a socket that got every event of the room's turn unchanged is handed the room's one shared frame", () => {
    const turn = new RoomTurn(1);
    const a = new PendingBatch();
    const b = new PendingBatch();
    for (const t of texts) {
      turn.add(t);
      a.add(t, turn);
      b.add(t, turn);
    }
    const fa = a.take(jsonCodec);
    expect(Buffer.isBuffer(fa)).toBe(true);
    expect(b.take(jsonCodec)).toBe(fa);
    expect(JSON.parse(String(fa))).toEqual({ type: 'batch', events: texts.map((t) => JSON.parse(t)) });
    expect(a.take(jsonCodec)).toBeUndefined();
  });

  it('a socket whose list differs (its own reply, or events it must not get) gets a frame of its own, in its order', () => {
    const turn = new RoomTurn(1);
    const mover = new PendingBatch();
    const joiner = new PendingBatch();
    turn.add(texts[0]);
    mover.add('{"id":"m1","type":"moved","seq":1}');
    turn.add(texts[1]);
    mover.add(texts[1], turn);
    joiner.add(texts[1], turn);
    expect(JSON.parse(String(mover.take(jsonCodec)))).toEqual({
      type: 'batch',
      events: [
        { id: 'm1', type: 'moved', seq: 1 },
        { type: 'left', seq: 2 },
      ],
    });
    // One event alone is sent as itself, not wrapped.
    expect(joiner.take(jsonCodec)).toBe(texts[1]);
  });

  it('a lone event of the turn shared by all is its own frame, encoded once', () => {
    const turn = new RoomTurn(1);
    const a = new PendingBatch();
    turn.add(texts[0]);
    a.add(texts[0], turn);
    expect(String(a.take(jsonCodec))).toBe(texts[0]);
  });
});
