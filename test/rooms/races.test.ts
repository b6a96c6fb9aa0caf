import { TestClient } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';

describe('a socket that closes while its enter is in flight', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(); });
  afterAll(async () => { await server.close(); });

  it('leaves no avatar behind', async () => {
    const watcher = await TestClient.connect(server.wsUrl, server.token(1));
    await watcher.request({ type: 'enter', roomId: '1' });
    for (let i = 0; i < 15; i++) {
      const c = await TestClient.connect(server.wsUrl, server.token(2));
      c.send({ type: 'enter', roomId: '1' });
      c.ws.terminate();
      await c.closed;
    }
    // Every entered of user 2 is matched by a left; the room ends with only the watcher in it.
    const probe = await TestClient.connect(server.wsUrl, server.token(3));
    await probe.request({ type: 'enter', roomId: '1', as: 'spectator' });
    const check = async () => {
      const w = await probe.request({ type: 'enter', roomId: '1', as: 'spectator' });
      return (w.members as { userId: string }[]).map((m) => m.userId);
    };
    let members = await check();
    for (let tries = 0; members.includes('2') && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      members = await check();
    }
    expect(members).toEqual(['1']);
    const entered = watcher.frames.filter((f) => f.type === 'entered').length;
    const left = watcher.frames.filter((f) => f.type === 'left').length;
    expect(left).toBe(entered);
    await watcher.close();
    await probe.close();
  });
});
