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

  it("hands the room's one whole WebSocket frame to every socket that got the turn as is, and nothing to the others", () => {
    const turn = new RoomTurn(1);
    const a = new PendingBatch();
    const b = new PendingBatch();
    const mover = new PendingBatch();
    turn.add(texts[0]);
    mover.add('{"id":"m1","type":"moved","seq":1}');
    for (const p of [a, b]) p.add(texts[0], turn);
    turn.add(texts[1]);
    for (const p of [a, b, mover]) p.add(texts[1], turn);

    const wire = a.takeSharedWire(jsonCodec)!;
    expect(b.takeSharedWire(jsonCodec)).toBe(wire);
    expect(wire[0]).toBe(0x81); // a final text frame
    expect(wire.subarray(2).equals(turn.sharedFrame(jsonCodec))).toBe(true);
    expect(a.size).toBe(0);
    // The mover's list differs: no shared frame, and its events stay for a frame of its own.
    expect(mover.takeSharedWire(jsonCodec)).toBeUndefined();
    expect(mover.size).toBe(2);
    expect(JSON.parse(String(mover.take(jsonCodec))).events).toHaveLength(2);
    expect(new PendingBatch().takeSharedWire(jsonCodec)).toBeUndefined();
  });

  it('a later event of the turn makes the shared frames anew', () => {
    const turn = new RoomTurn(1);
    const first = new PendingBatch();
    turn.add(texts[0]);
    first.add(texts[0], turn);
    const before = first.takeSharedWire(jsonCodec)!;
    const late = new PendingBatch();
    turn.add(texts[1]);
    late.add(texts[1], turn);
    // `late` holds one of the turn's two events: not the turn as is.
    expect(late.takeSharedWire(jsonCodec)).toBeUndefined();
    const both = new PendingBatch();
    both.add(texts[0], turn);
    both.add(texts[1], turn);
    const after = both.takeSharedWire(jsonCodec)!;
    expect(after).not.toBe(before);
    expect(JSON.parse(after.subarray(2).toString()).events).toHaveLength(2);
  });
});
