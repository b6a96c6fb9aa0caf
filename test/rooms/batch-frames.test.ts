import { connectNode } from '../../src/client/node';
import type { Frame, TestClient } from '../support/client';
import { EVENT_TYPES } from '../support/client';
import { describeEachMode } from '../support/modes';
import { connectAs, enter } from '../support/room';
import type { TestServer } from '../support/server';

const BATCH = ['myroom.v1.batch', 'myroom.v1'];
const MOVES_EACH = 25;

/** The frames as the client saw them, batches opened: every room event once, in arrival order. */
function eventsOf(client: TestClient): Frame[] {
  return client.frames
    .flatMap((f) => (f.type === 'batch' ? (f.events as Frame[]) : [f]))
    .filter((f) => EVENT_TYPES.has(f.type));
}

describeEachMode('batched frames (subprotocol myroom.v1.batch)', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start();
  });
  afterAll(async () => {
    await server.close();
  });

  it('batch sockets get every event exactly once in seq order, next to plain sockets in the same room', async () => {
    const room = '71';
    const plain = [await connectAs(server, 71), await connectAs(server, 72)];
    const batched = [
      await connectAs(server, 73, { protocols: BATCH }),
      await connectAs(server, 74, { protocols: BATCH }),
    ];
    expect(plain.map((c) => c.protocol)).toEqual(['', '']);
    expect(batched.map((c) => c.protocol)).toEqual(['myroom.v1.batch', 'myroom.v1.batch']);
    const all = [...plain, ...batched];
    const welcomes = [];
    for (const c of all) welcomes.push(await enter(c, room));

    // Every player fires its moves without waiting, so several land in one turn of the server.
    for (const c of all) {
      for (let i = 0; i < MOVES_EACH; i++) c.send({ type: 'move', dir: i % 2 ? 'left' : 'right', id: `m${i}` });
    }
    const lastReplies = await Promise.all(
      all.map((c) =>
        c.next(
          (f) =>
            f.id === `m${MOVES_EACH - 1}` ||
            (f.type === 'batch' && (f.events as Frame[]).some((e) => e.id === `m${MOVES_EACH - 1}`)),
          10_000,
        ),
      ),
    );
    expect(lastReplies).toHaveLength(4);
    const lastSeq = welcomes[3].seq + all.length * MOVES_EACH;
    await Promise.all(
      all.map((c) =>
        c.next((f) => (f.type === 'batch' ? (f.events as Frame[]) : [f]).some((e) => e.seq === lastSeq), 10_000),
      ),
    );

    for (const [i, c] of all.entries()) {
      const seqs = eventsOf(c).map((e) => e.seq as number);
      const from = welcomes[i].seq + 1;
      expect(seqs).toEqual(Array.from({ length: lastSeq - from + 1 }, (_, k) => from + k));
      // Each player's own moves come back with their request ids, batched or not.
      const own = eventsOf(c).filter((e) => e.type === 'moved' && e.userId === String(71 + i));
      expect(own.map((e) => e.id)).toEqual(Array.from({ length: MOVES_EACH }, (_, k) => `m${k}`));
    }
    expect(plain.every((c) => c.ofType('batch').length === 0)).toBe(true);
    // The point of the exercise: some frames carried several events.
    expect(batched.every((c) => c.ofType('batch').some((f) => (f.events as Frame[]).length > 1))).toBe(true);
    for (const c of all) await c.close();
  });

  it('the client library asks for batches when told to and unpacks them: its handlers see each event once, in order', async () => {
    const room = '75';
    const owner = await connectAs(server, 75);
    await enter(owner, room);
    const client = await connectNode({ url: server.wsUrl, token: server.token(76), batch: true });
    const seen: number[] = [];
    const raw: string[] = [];
    client.on('moved', (e) => seen.push(e.seq));
    client.onRaw((t) => raw.push(t));
    const welcome = await client.enter(room);
    for (let i = 0; i < 20; i++) owner.send({ type: 'move', dir: i % 2 ? 'left' : 'right' });
    const last = welcome.seq + 20;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`saw ${JSON.stringify(seen)}`)), 10_000);
      client.on('moved', (e) => {
        if (e.seq === last) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(seen).toEqual(Array.from({ length: 20 }, (_, k) => welcome.seq + 1 + k));
    expect(raw.some((t) => t.startsWith('{"type":"batch"'))).toBe(false);
    expect(client.lastSeq).toBe(last);
    client.close();
    await owner.close();
  });
});
