import { type ServerPair, startServerPair } from '../support/cluster-pair';
import { LegacyClient } from '../support/legacy-client';
import { joinAs, peek, step } from '../support/room';

jest.setTimeout(60_000);

/**
 * The original clients and v1 clients share a room across instances: the legacy client's frames
 * go into the same room service on its instance, its events reach the other instance through the
 * fan-out in seq order, and replacement crosses instances too.
 */
describe('legacy and v1 clients on two instances: one room', () => {
  let pair: ServerPair;
  beforeAll(async () => {
    pair = await startServerPair();
  }, 90_000);
  afterAll(async () => {
    await pair?.close();
  }, 30_000);

  it('a legacy client on A and a v1 client on B see each other enter, move, build and leave', async () => {
    const [owner, room] = await LegacyClient.enter(pair.a.wsUrl, 1, pair.a.token(1));
    expect(room.users['1']).toEqual({ nickname: 'user1', x: 0, y: 0 });
    const [v1, welcome] = await joinAs(pair.b, 2, 1);
    expect((await owner.next((f) => f.code === '10')).payload).toEqual({ user_id: '2', nickname: 'user2' });

    expect((await owner.move(1, '1')).payload).toEqual({ user_id: '1', direction: 1, x: 1, y: 0 });
    expect(await v1.next((f) => f.type === 'moved' && f.userId === '1')).toMatchObject({
      x: 1,
      y: 0,
      seq: welcome.seq + 1,
    });

    await step(v1, 'down');
    expect((await owner.next((f) => f.code === '20' && f.payload.user_id === '2')).payload).toEqual({
      user_id: '2',
      direction: 2,
      x: 0,
      y: 1,
    });

    const seen = owner.frames.length;
    owner.send('40', { map: { ...room.map, objects: { w: { name: 'wall', x: 5, y: 5 } } } });
    expect(Object.values((await owner.nextSync(seen)).map.objects)).toEqual([{ name: 'wall', x: 5, y: 5 }]);
    const built = await v1.next((f) => f.type === 'built');
    expect(built.seq).toBe(welcome.seq + 3);

    await v1.close();
    expect((await owner.next((f) => f.code === '19')).payload).toEqual({ user_id: '2' });
    owner.send('19');
    expect((await owner.closed).code).toBe(1000);
    expect((await peek(pair.b, 1)).members).toEqual([]);
  });

  it('the same user entering on B replaces the legacy socket on A: 98, then 1000', async () => {
    const [first] = await LegacyClient.enter(pair.a.wsUrl, 3, pair.a.token(4));
    const [v1] = await joinAs(pair.b, 4, 3);
    expect((await first.next((f) => f.code === '98')).code).toBe('98');
    expect((await first.closed).code).toBe(1000);
    expect((await peek(pair.a, 3)).members.map((m) => m.userId)).toEqual(['4']);
    await v1.close();
  });

  it('a legacy client that drops its connection leaves the room on the other instance too', async () => {
    const [v1] = await joinAs(pair.b, 6, 5);
    const [legacy] = await LegacyClient.enter(pair.a.wsUrl, 5, pair.a.token(5));
    await v1.next((f) => f.type === 'entered');
    legacy.ws.terminate();
    expect(await v1.next((f) => f.type === 'left')).toMatchObject({ userId: '5', reason: 'disconnect' });
    await v1.close();
  });
});
