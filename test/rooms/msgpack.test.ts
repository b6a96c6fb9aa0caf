import { EVENT_TYPES, type Frame, packr, type TestClient } from '../support/client';
import { describeEachMode } from '../support/modes';
import { buildOk, connectAs, enter, step, wall } from '../support/room';
import type { TestServer } from '../support/server';

const MSGPACK = ['myroom.v1.msgpack'];
const MSGPACK_BATCH = ['myroom.v1.msgpack.batch'];

/** Room events as a client saw them, batches opened. */
function eventsOf(client: TestClient): Frame[] {
  return client.frames
    .flatMap((f) => (f.type === 'batch' ? (f.events as Frame[]) : [f]))
    .filter((f) => EVENT_TYPES.has(f.type));
}

/** What every client sees of an event alike: the mover's copy differs only by its request `id`. */
const withoutId = ({ id: _id, ...rest }: Frame) => rest;

describeEachMode('MessagePack (subprotocol myroom.v1.msgpack)', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start({ WS_MAX_PAYLOAD: '1024' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('a client offering it alone, its token in the header or beside it, gets it; every frame is binary', async () => {
    const viaHeader = await connectAs(server, 81, { protocols: MSGPACK });
    expect(viaHeader.protocol).toBe('myroom.v1.msgpack');
    const viaSubprotocol = await connectAs(server, 82, {
      protocols: ['myroom.v1.msgpack', `bearer.${server.token(82)}`],
      headers: { Authorization: '' },
    });
    expect(viaSubprotocol.protocol).toBe('myroom.v1.msgpack');
    expect(viaSubprotocol.upgradeHeaders['sec-websocket-protocol']).toBe('myroom.v1.msgpack');
    for (const c of [viaHeader, viaSubprotocol]) {
      const w = await enter(c, 81);
      expect(w).toMatchObject({ type: 'welcome', roomId: '81', you: { role: 'player' } });
      expect(c.kinds.every((k) => k === 'binary')).toBe(true);
      await c.close();
    }
  });

  it('enter, move, build and leave, with a JSON client in the same room seeing exactly the same events', async () => {
    const owner = await connectAs(server, 83, { protocols: MSGPACK });
    const json = await connectAs(server, 84);
    const w = await enter(owner, 83);
    const jw = await enter(json, 83);
    expect(w.map).toMatchObject({ version: 0, width: 20, height: 20 });

    const moved = await step(owner, 'right');
    expect(moved).toMatchObject({ type: 'moved', roomId: '83', userId: '83', x: 1, y: 0, dir: 'right' });
    const built = await buildOk(owner, 0, [wall(4, 4)]);
    expect(built.map.objects).toEqual([{ id: expect.any(String), kind: 'wall', x: 4, y: 4, w: 1, h: 1 }]);
    expect(await step(json, 'down')).toMatchObject({ type: 'moved', userId: '84', x: 0, y: 1 });
    expect(await owner.request({ type: 'leave' })).toMatchObject({ type: 'ack' });
    const left = await json.next((f) => f.type === 'left' && f.userId === '83');

    // The MessagePack client saw, up to its leave, the very events the JSON client saw, field for field.
    await owner.next((f) => f.type === 'moved' && f.userId === '84');
    const between = (c: TestClient) =>
      eventsOf(c).filter((e) => (e.seq as number) > jw.seq && (e.seq as number) < (left.seq as number));
    expect(between(owner).map(withoutId)).toEqual(between(json).map(withoutId));
    expect(between(owner).map((e) => e.type)).toEqual(['moved', 'built', 'moved']);
    expect(owner.kinds.every((k) => k === 'binary')).toBe(true);
    expect(json.kinds.every((k) => k === 'text')).toBe(true);
    await owner.close();
    await json.close();
  });

  it('bad input is one BAD_REQUEST in the socket codec, and the socket stays usable', async () => {
    const mp = await connectAs(server, 85, { protocols: MSGPACK });
    const json = await connectAs(server, 86);
    await enter(mp, 85);
    await enter(json, 85);
    await mp.next((f) => f.type === 'entered');

    // A text frame on a MessagePack socket, and undecodable or truncated bytes.
    const move = packr.pack({ type: 'move', dir: 'right', id: 'm1' });
    for (const [data, binary] of [
      ['{"type":"move","dir":"right"}', false],
      [Buffer.from([0xc1, 0xff]), true],
      [move.subarray(0, move.length - 2), true],
      [packr.pack({ type: 'move', dir: 'north', id: 'bad-dir' }), true],
    ] as const) {
      mp.clear();
      mp.sendRaw(data, binary);
      const err = await mp.next((f) => f.type === 'error');
      expect(err).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
      expect({ frames: mp.frames, kinds: mp.kinds }).toEqual({ frames: [err], kinds: ['binary'] });
    }
    expect(mp.frames[0]).toMatchObject({ id: 'bad-dir', message: expect.stringMatching(/^dir: /) });

    // A binary frame on a JSON socket.
    json.sendRaw(move, true);
    expect(await json.next((f) => f.type === 'error')).toMatchObject({ code: 'BAD_REQUEST' });
    expect(json.kinds.every((k) => k === 'text')).toBe(true);

    // Both still play, and the room was not touched by any of it.
    expect(await step(mp, 'right')).toMatchObject({ type: 'moved', x: 1, y: 0 });
    expect(await step(json, 'down')).toMatchObject({ type: 'moved', x: 0, y: 1 });
    await mp.close();
    await json.close();
  });

  it('the frame size limit applies to binary frames: one over WS_MAX_PAYLOAD closes with 1009', async () => {
    const mp = await connectAs(server, 87, { protocols: MSGPACK });
    await enter(mp, 87);
    mp.sendRaw(packr.pack({ type: 'enter', roomId: '87', pad: 'x'.repeat(1100) }), true);
    expect((await mp.closed).code).toBe(1009);
  });

  it('batching composes with MessagePack (myroom.v1.msgpack.batch): events in seq order, once each', async () => {
    const room = '88';
    const batched = await connectAs(server, 88, { protocols: MSGPACK_BATCH });
    expect(batched.protocol).toBe('myroom.v1.msgpack.batch');
    const others = [await connectAs(server, 89), await connectAs(server, 90, { protocols: MSGPACK })];
    for (const c of [batched, ...others]) await enter(c, room);
    const MOVES = 20;
    for (const c of others) for (let i = 0; i < MOVES; i++) c.send({ type: 'move', dir: i % 2 ? 'left' : 'right' });
    for (let i = 0; i < MOVES; i++) batched.send({ type: 'move', dir: i % 2 ? 'up' : 'down', id: `b${i}` });
    const expected = 3 * MOVES;
    await batched.next(() => eventsOf(batched).filter((e) => e.type === 'moved').length >= expected, 15_000);
    const seqs = eventsOf(batched).map((e) => e.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(batched.kinds.every((k) => k === 'binary')).toBe(true);
    // Several moves land in one server turn, so at least one batch frame came.
    expect(batched.ofType('batch').length).toBeGreaterThan(0);
    // Its own moves are answered inside the batches, with their ids.
    expect(eventsOf(batched).filter((e) => typeof e.id === 'string' && e.id.startsWith('b'))).toHaveLength(MOVES);
    for (const c of [batched, ...others]) await c.close();
  });
});
