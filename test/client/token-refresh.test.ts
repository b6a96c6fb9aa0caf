import { mintToken } from '../../src/auth/mint';
import { connectNode, type ConnectionState, RoomSession, TokenExpiredError } from '../../src/client/node';
import { LogCapture } from '../support/log-capture';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/server';

const FAST = { baseMs: 100, maxMs: 1000, factor: 2 };
const shortToken = (userId: number, ttlSeconds = 3) =>
  mintToken(TEST_JWT_SECRET, { userId: String(userId), name: `user${userId}` }, ttlSeconds);

/** The client library keeps its token fresh by itself (PROTOCOL.md §1, "Tokens that end"). */
describe('client library: tokens that end', () => {
  const logs = new LogCapture();
  let server: TestServer;
  const sessions: RoomSession[] = [];

  beforeAll(async () => {
    server = await startTestServer({}, undefined, 'services', logs.logger);
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await server.close();
  });

  function track(session: RoomSession): ConnectionState[] {
    sessions.push(session);
    const states: ConnectionState[] = [];
    session.on('state', (c) => states.push(c.state));
    return states;
  }

  it('with refreshToken, a session on 3 s tokens is still in the room after 5 s, on its first socket', async () => {
    let minted = 0;
    const session = new RoomSession({
      connect: () =>
        connectNode({
          url: server.wsUrl,
          token: shortToken(3),
          refreshToken: () => {
            minted++;
            return Promise.resolve(shortToken(3));
          },
        }),
      roomId: '3',
      backoff: FAST,
    });
    const states = track(session);
    await session.start();
    await new Promise((r) => setTimeout(r, 5000));

    expect(session.state.state).toBe('in-room');
    // Never left the room: no reconnect hid an expiry.
    expect(states).toEqual(['connecting', 'in-room']);
    await expect(session.move('right')).resolves.toMatchObject({ type: 'moved', userId: '3' });
    expect(minted).toBeGreaterThanOrEqual(1);
    const refreshed = logs.audits('access.refresh').filter((l) => l.actor === '3');
    expect(refreshed.length).toBeGreaterThanOrEqual(1);
    expect(refreshed.every((l) => l.result === 'ok')).toBe(true);
    expect(logs.audits('access.expired').filter((l) => l.actor === '3')).toEqual([]);
  });

  it('without refreshToken, a 4004 close ends the session: failed, TokenExpiredError, no reconnect', async () => {
    let connects = 0;
    const session = new RoomSession({
      connect: () => {
        connects++;
        return connectNode({ url: server.wsUrl, token: shortToken(4, 2) });
      },
      roomId: '4',
      backoff: FAST,
    });
    track(session);
    await session.start();
    const failed = await new Promise<RoomSession['state']>((resolve) => {
      session.on('state', (c) => {
        if (c.state !== 'in-room') resolve(c);
      });
    });
    expect(failed).toMatchObject({ state: 'failed', closeCode: 4004 });
    expect(failed.error).toBeInstanceOf(TokenExpiredError);
    expect(connects).toBe(1);
  });
});
