import { TestClient } from '../support/client';
import { eventually, peek } from '../support/room';
import { startTestServer, type TestServer } from '../support/server';

/** When a socket of user 2 is cut, relative to its `enter` being served. */
const CUTS = ['at once', 'next tick', 'after a few ms', 'after its welcome'] as const;

describe('a socket that closes while its enter is in flight', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('leaves no avatar behind', async () => {
    const watcher = await TestClient.connect(server.wsUrl, server.token(1));
    expect(await watcher.request({ type: 'enter', roomId: '1' })).toMatchObject({ type: 'welcome' });
    let welcomed = 0;
    for (let i = 0; i < 16; i++) {
      const cut = CUTS[i % CUTS.length];
      const c = await TestClient.connect(server.wsUrl, server.token(2));
      c.send({ type: 'enter', roomId: '1', id: 'e' });
      if (cut === 'next tick') await new Promise((r) => setImmediate(r));
      if (cut === 'after a few ms') await new Promise((r) => setTimeout(r, i % 7));
      if (cut === 'after its welcome') {
        expect(await c.next((f) => f.id === 'e')).toMatchObject({ type: 'welcome' });
        welcomed++;
      }
      c.ws.terminate();
      await c.closed;
    }

    // Whatever got in is taken out again: the room ends with only the watcher in it.
    await eventually(async () => {
      expect((await peek(server, 1)).members.map((m) => m.userId)).toEqual(['1']);
    });
    // Room events reach the watcher in order: once its own step is back, it has seen all before it.
    const marker = await watcher.request({ type: 'move', dir: 'down' });
    expect(marker).toMatchObject({ type: 'moved', userId: '1' });
    const before = watcher.events().filter((e) => (e.seq as number) < (marker.seq as number));
    const entered = before.filter(
      (e) => e.type === 'entered' && (e.member as { userId: string }).userId === '2',
    ).length;
    const left = before.filter((e) => e.type === 'left' && e.userId === '2').length;
    expect(left).toBe(entered);
    // The enters cut after their welcome did seat an avatar: the race really ran.
    expect(welcomed).toBe(4);
    expect(entered).toBeGreaterThanOrEqual(welcomed);
    await watcher.close();
  });
});
