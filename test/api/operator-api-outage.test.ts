import { adminToken, api, expectProblem } from '../support/api';
import { joinAs } from '../support/room';
import { SERVICES, startTestServer, type TestServer } from '../support/server';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * Backing services down: the server reaches Redis through a TCP proxy that this test cuts. Every
 * route that needs Redis answers a 503 problem, and nothing it would have written is there after.
 */
describe('operator HTTP API while Redis is unreachable', () => {
  let server: TestServer;
  let proxy: TcpProxy;
  const ADMIN = adminToken();

  beforeAll(async () => {
    proxy = await TcpProxy.start(Number(new URL(SERVICES.redis).port || 6379));
    server = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
  });
  afterAll(async () => {
    proxy.refuse(false);
    await server.close();
    await proxy.close();
  });

  it('answers 503 problems for reads and writes, and nothing is half-done', async () => {
    const [player, welcome] = await joinAs(server, 2, 2);
    proxy.refuse(true);
    proxy.dropAll();
    try {
      expectProblem(await api(server.url, 'GET', '/api/rooms/2/state', { token: ADMIN }), 503);
      expectProblem(await api(server.url, 'GET', '/api/rooms', { token: ADMIN }), 503);
      expectProblem(await api(server.url, 'GET', '/api/instances', { token: ADMIN }), 503);
      expectProblem(
        await api(server.url, 'POST', '/api/rooms/2/notices', { token: ADMIN, body: { text: 'lost?' } }),
        503,
      );
      expectProblem(await api(server.url, 'POST', '/api/rooms/2/kick', { token: ADMIN, body: { userId: '3' } }), 503);
    } finally {
      proxy.refuse(false);
    }
    // Back: the room is as it was, at the same seq, with its player still in it.
    let state = await api<{ seq: number; members: { userId: string }[] }>(server.url, 'GET', '/api/rooms/2/state', {
      token: ADMIN,
    });
    for (let i = 0; state.status !== 200 && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await api(server.url, 'GET', '/api/rooms/2/state', { token: ADMIN });
    }
    expect(state.status).toBe(200);
    expect(state.body.seq).toBe(welcome.seq);
    expect(state.body.members.map((m) => m.userId)).toEqual(['2']);
    expect(player.ofType('notice')).toEqual([]);
    await player.close();
  });
});
