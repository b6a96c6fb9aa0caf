import { connectNode, MyRoomRequestError } from '../../src/client/node';
import { startTestServer, type TestServer } from '../support/server';

describe('the typed client library against the real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('enters, moves, builds, sees events and gets typed errors', async () => {
    const owner = await connectNode({ url: server.wsUrl, token: server.token(3) });
    const guest = await connectNode({ url: server.wsUrl, token: server.token(4) });
    const welcome = await owner.enter('3');
    expect(welcome.you).toMatchObject({ userId: '3', role: 'player', owner: true });
    await guest.enter('3');

    const seen = new Promise((resolve) => owner.on('moved', (e) => e.userId === '4' && resolve(e)));
    const mine = await guest.move('down');
    expect(mine).toMatchObject({ type: 'moved', userId: '4', x: 0, y: 1 });
    await expect(seen).resolves.toMatchObject({ seq: mine.seq, x: 0, y: 1 });

    await expect(guest.move('left')).rejects.toMatchObject({ code: 'BLOCKED', details: { x: 0, y: 1 } });
    await expect(guest.build(0, [{ op: 'place', kind: 'wall', x: 5, y: 5 }])).rejects.toBeInstanceOf(
      MyRoomRequestError,
    );
    await owner.build(welcome.map.version, [{ op: 'place', kind: 'game', x: 2, y: 2, gameId: 3 }]);
    expect(guest.lastSeq).toBeGreaterThanOrEqual(mine.seq);
    owner.close();
    guest.close();
  });

  it.each([
    ['msgpack', false],
    ['msgpack', true],
  ] as const)(
    'codec %s (batched: %s): the same typed calls and events, in a room shared with a JSON client',
    async (codec, batch) => {
      const room = batch ? '6' : '5';
      const owner = await connectNode({ url: server.wsUrl, token: server.token(room), codec, batch });
      const guest = await connectNode({ url: server.wsUrl, token: server.token(20) });
      expect(owner.protocol).toBe(batch ? 'myroom.v1.msgpack.batch' : 'myroom.v1.msgpack');
      const welcome = await owner.enter(room);
      expect(welcome.you).toMatchObject({ userId: room, role: 'player', owner: true });
      await guest.enter(room);

      const seen = new Promise((resolve) => owner.on('moved', (e) => e.userId === '20' && resolve(e)));
      const theirs = await guest.move('down');
      await expect(seen).resolves.toEqual(Object.fromEntries(Object.entries(theirs).filter(([k]) => k !== 'id')));
      const mine = await owner.move('right');
      expect(mine).toMatchObject({ type: 'moved', userId: room, x: 1, y: 0 });
      await expect(owner.move('up')).rejects.toMatchObject({ code: 'BLOCKED', details: { x: 1, y: 0 } });
      const built = new Promise((resolve) => guest.on('built', resolve));
      await owner.build(welcome.map.version, [{ op: 'place', kind: 'wall', x: 5, y: 5 }]);
      await expect(built).resolves.toMatchObject({ map: { version: welcome.map.version + 1 } });
      expect(await owner.say('hello')).toMatchObject({ type: 'said', text: 'hello', userId: room });
      await owner.leave();
      expect(owner.lastSeq).toBeGreaterThanOrEqual(mine.seq);
      owner.close();
      guest.close();
    },
  );
});
