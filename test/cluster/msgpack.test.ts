import { EVENT_TYPES, type Frame, type TestClient } from '../support/client';
import { startServerPair, type ServerPair } from '../support/cluster-pair';
import { connectAs, enter, eventually, step, wall } from '../support/room';

const MSGPACK = ['myroom.v1.msgpack'];
const MSGPACK_BATCH = ['myroom.v1.msgpack.batch'];

/** Room events as a client saw them, batches opened, without the mover's request `id`. */
function eventsOf(client: TestClient, afterSeq: number): Frame[] {
  return client.frames
    .flatMap((f) => (f.type === 'batch' ? (f.events as Frame[]) : [f]))
    .filter((f) => EVENT_TYPES.has(f.type) && (f.seq as number) > afterSeq)
    .map(({ id: _id, ...rest }) => rest as Frame);
}

/**
 * Two instances, MessagePack and JSON sockets on each: the fan-out carries one form (the JSON of
 * the room log) and each instance encodes it for its own MessagePack sockets.
 */
describe('MessagePack across two instances', () => {
  let pair: ServerPair;
  beforeAll(async () => {
    pair = await startServerPair();
  }, 60_000);
  afterAll(async () => {
    await pair?.close();
  });

  it('JSON and MessagePack clients (plain and batched) on both instances see the same events, field for field', async () => {
    const room = '1';
    const clients = [
      await connectAs(pair.a, 1, { protocols: MSGPACK }),
      await connectAs(pair.a, 2),
      await connectAs(pair.b, 3, { protocols: MSGPACK_BATCH }),
      await connectAs(pair.b, 4),
    ];
    const welcomes = [];
    for (const c of clients) welcomes.push(await enter(c, room));
    const since = welcomes[3].seq;
    // Each instance has heard the other before the test relies on it (its room subscription is live).
    await clients[0].next((f) => f.type === 'entered' && f.seq === since);

    expect(await step(clients[0], 'right')).toMatchObject({ type: 'moved', userId: '1', x: 1 });
    expect(await step(clients[2], 'down')).toMatchObject({ type: 'moved', userId: '3', y: 1 });
    expect(await clients[0].request({ type: 'build', baseVersion: 0, ops: [wall(6, 6)] })).toMatchObject({
      type: 'ack',
    });
    expect(await step(clients[3], 'right')).toMatchObject({ type: 'moved', userId: '4' });
    expect(await clients[1].request({ type: 'leave' })).toMatchObject({ type: 'ack' });

    const last = since + 5;
    const seen = await eventually(() => {
      const lists = clients.filter((c) => c !== clients[1]).map((c) => eventsOf(c, since));
      for (const l of lists) expect(l.map((e) => e.seq)).toEqual([since + 1, since + 2, since + 3, since + 4, last]);
      return lists;
    }, 15_000);
    expect(seen[0].map((e) => e.type)).toEqual(['moved', 'moved', 'built', 'moved', 'left']);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    expect(clients[0].kinds.every((k) => k === 'binary')).toBe(true);
    expect(clients[2].kinds.every((k) => k === 'binary')).toBe(true);
    expect(clients[3].kinds.every((k) => k === 'text')).toBe(true);
    await Promise.all(clients.map((c) => c.close()));
  });
});
