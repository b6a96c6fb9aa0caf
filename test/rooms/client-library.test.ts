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
});
