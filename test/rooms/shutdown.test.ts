import { TestClient } from '../support/client';
import { describeEachMode } from '../support/modes';
import { connectAs, joinAs } from '../support/room';
import type { TestServer } from '../support/server';

describeEachMode('graceful shutdown', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start();
  });
  afterAll(async () => {
    await server.close();
  });

  it('every socket (players, spectators, not yet in a room) is closed with 1012; new sockets are refused', async () => {
    const [owner] = await joinAs(server, 1, 1);
    const [visitor] = await joinAs(server, 2, 1);
    const [elsewhere] = await joinAs(server, 3, 3);
    const [spectator] = await joinAs(server, 4, 1, { as: 'spectator' });
    const idle = await connectAs(server, 5);
    const clients = [owner, visitor, elsewhere, spectator, idle];

    await server.shutdown();
    const closes = await Promise.all(clients.map((c) => c.closed));
    expect(closes.map((c) => c.code)).toEqual([1012, 1012, 1012, 1012, 1012]);
    await expect(TestClient.connect(server.wsUrl, server.token(6))).rejects.toThrow();
  });
});
