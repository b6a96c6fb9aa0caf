import { unpack } from 'msgpackr';
import { PendingBatch, RoomTurn } from './event-batch';
import { EventFrames } from './event-frames';
import { jsonCodec } from './json-codec';
import { msgpackCodec } from './msgpack-codec';

describe('the MessagePack codec writes the JSON messages, same shapes', () => {
  const moved = '{"type":"moved","roomId":"r1","seq":7,"userId":"u1","x":3,"y":4,"dir":"up"}';

  it('an event given as JSON becomes one MessagePack map of the same fields and values', () => {
    const frame = msgpackCodec.fromJson(moved);
    expect(Buffer.isBuffer(frame)).toBe(true);
    expect(unpack(frame as Buffer)).toEqual(JSON.parse(moved));
  });

  it('a message built by the server leaves out undefined fields, as JSON does', () => {
    const frame = msgpackCodec.encode({ type: 'error', code: 'BAD_REQUEST', message: 'x', id: undefined });
    expect(unpack(frame as Buffer)).toStrictEqual({ type: 'error', code: 'BAD_REQUEST', message: 'x' });
  });

  it('a batch is one map {type: "batch", events: […]}, in order; a lone event goes unwrapped', () => {
    const left = '{"type":"left","roomId":"r1","seq":8,"userId":"u1","reason":"leave"}';
    const turn = new RoomTurn(1);
    const a = new PendingBatch();
    for (const t of [moved, left]) {
      turn.add(t);
      a.add(t, turn);
    }
    expect(unpack(a.take(msgpackCodec) as Buffer)).toEqual({
      type: 'batch',
      events: [JSON.parse(moved), JSON.parse(left)],
    });
    // The room's turn keeps one frame per codec: JSON sockets get JSON, MessagePack sockets their bytes.
    expect(JSON.parse(String(turn.sharedFrame(jsonCodec)))).toEqual({
      type: 'batch',
      events: [JSON.parse(moved), JSON.parse(left)],
    });
    expect(turn.sharedFrame(msgpackCodec)).toBe(turn.sharedFrame(msgpackCodec));
    const lone = new PendingBatch();
    lone.add(left);
    expect(unpack(lone.take(msgpackCodec) as Buffer)).toEqual(JSON.parse(left));
  });

  it('an event is encoded once per codec, and only for the codecs asked for', () => {
    const frames = new EventFrames(moved, true);
    const m = frames.for(msgpackCodec);
    expect(frames.for(msgpackCodec)).toBe(m);
    const j = frames.for(jsonCodec);
    expect(frames.for(jsonCodec)).toBe(j);
    // Shared JSON goes out as its UTF-8 bytes, so ws does not encode the string per socket.
    expect(Buffer.isBuffer(j)).toBe(true);
    expect(String(j)).toBe(moved);
    expect(new EventFrames(moved, false).for(jsonCodec)).toBe(moved);
  });

  it("an event's whole WebSocket frame is made once per codec, around that codec's frame", () => {
    const frames = new EventFrames(moved, true);
    const wire = frames.wireFor(msgpackCodec);
    expect(frames.wireFor(msgpackCodec)).toBe(wire);
    expect(wire[0]).toBe(0x82); // final binary frame
    expect(wire.subarray(2).equals(frames.for(msgpackCodec) as Buffer)).toBe(true);
    const text = new EventFrames(moved, false).wireFor(jsonCodec);
    expect(text[0]).toBe(0x81); // final text frame
    expect(text.subarray(2).toString()).toBe(moved);
  });
});
