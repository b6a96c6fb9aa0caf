import { RoomModel } from '../../src/client/room-model';
import type { RoomEvent, WelcomeMessage } from '../../src/protocol/messages';
import type { Frame, TestClient } from '../support/client';
import { type ServerPair, startServerPair } from '../support/cluster-pair';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { connectAs, enter, eventually, joinAs, peek, walk } from '../support/room';

/**
 * Redis loses everything (FLUSHALL, as a restart without persistence would) under live players on
 * two instances. The room's state begins again in a new epoch: every client still connected gets
 * the room afresh in it, the instances put their players back where they stood, and play goes on. On a redis-server
 * of the test's own: the shared one is never flushed.
 */
describe('the live state is lost under live players on two instances', () => {
  let redis: PrivateRedis;
  let pair: ServerPair;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    pair = await startServerPair({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await pair?.close();
    await redis?.stop();
  });

  it('every client gets a fresh welcome in the new epoch, ends with the right room, and no seq goes backwards within an epoch', async () => {
    const [owner, w1] = await joinAs(pair.a, 1, 1);
    const [onA] = await joinAs(pair.a, 4, 1);
    const [onB] = await joinAs(pair.b, 2, 1);
    const [watcher] = await joinAs(pair.b, 3, 1, { as: 'spectator' });
    const clients = [owner, onA, onB, watcher];
    const before = await walk(owner, ['right', 'down']);
    for (const c of clients) await c.next((f) => f.seq === before.seq && f.type === 'moved');
    const old = w1.epoch;
    // One more who goes away before the flush and comes back after it, resuming.
    const [away, seen] = await joinAs(pair.b, 5, 1);
    await away.kill();
    await owner.next((f) => f.type === 'left' && f.userId === '5');
    const lastSeen = new Date().toISOString();

    const r = redis.client();
    await r.flushall();
    r.disconnect();

    // Each client is sent the room afresh, unrequested, in the new epoch.
    const fresh = await Promise.all(
      clients.map((c) => c.next((f) => f.type === 'welcome' && f.epoch !== old && f.id === undefined, 20_000)),
    );
    for (const w of fresh) expect(w).toMatchObject({ type: 'welcome', roomId: '1', resumed: false });
    const epoch = fresh[0].epoch;
    expect(fresh.every((w) => w.epoch === epoch)).toBe(true);

    // Both instances put their players back, each where the timeline last saw it (the owner
    // where its walk ended, not on the spawn cell); then play goes on, seen by everyone.
    await eventually(async () => {
      const members = (await peek(pair.b, 1)).members;
      expect(members.map((m) => m.userId).sort()).toEqual(['1', '2', '4']);
      expect(members.find((m) => m.userId === '1')).toMatchObject({ x: before.x, y: before.y });
    }, 20_000);
    const moved = await eventually(async () => {
      const reply = await owner.request({ type: 'move', dir: 'right' });
      expect(reply.type).toBe('moved');
      return reply;
    }, 20_000);
    // After each client's fresh welcome: the old epoch had a `moved` of this seq too.
    for (const [i, c] of clients.entries()) {
      const welcomedAt = c.frames.indexOf(fresh[i]);
      await c.next((f) => f.seq === moved.seq && f.type === 'moved' && c.frames.indexOf(f) > welcomedAt, 10_000);
    }

    // Resuming from before the flush, by seq (with or without its epoch) or by time: never a delta.
    for (const resume of [{ seq: seen.seq, epoch: old }, { seq: seen.seq + 100 }, { time: lastSeen }]) {
      const back = await connectAs(pair.a, 5);
      const welcome = await enter(back, 1, { resume, as: 'spectator' });
      expect({ resume, resumed: welcome.resumed, epoch: welcome.epoch }).toEqual({ resume, resumed: false, epoch });
      await back.close();
    }

    const room = await peek(pair.a, 1);
    expect(room.epoch).toBe(epoch);
    const expected = new RoomModel();
    expected.reset(room as unknown as WelcomeMessage);
    for (const c of clients) {
      const model = replayFrames(c);
      expect(model.seq).toBe(room.seq);
      expect(model.memberList()).toEqual(expected.memberList());
    }
    for (const c of clients) await c.close();
  });
});

/**
 * Plays a client's frames into a model as a client would, checking on the way that within one
 * epoch every event follows the last seq by exactly one and a welcome never goes back.
 */
function replayFrames(client: TestClient): RoomModel {
  const model = new RoomModel();
  let epoch: string | undefined;
  for (const f of client.frames) {
    if (f.type === 'welcome') {
      const w = f as unknown as WelcomeMessage;
      if (w.epoch === epoch) expect(w.seq).toBeGreaterThanOrEqual(model.seq);
      epoch = w.epoch;
      model.reset(w);
    } else if (isEvent(f)) {
      if (f.seq <= model.seq) continue; // covered by the welcome before it
      expect({ epoch, seq: f.seq }).toEqual({ epoch, seq: model.seq + 1 });
      expect(model.apply(f as unknown as RoomEvent)).toBe('applied');
    }
  }
  return model;
}

function isEvent(f: Frame): f is Frame & { seq: number } {
  return typeof f.seq === 'number' && f.type !== 'welcome';
}
