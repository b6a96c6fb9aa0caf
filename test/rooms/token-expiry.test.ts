import { mintToken } from '../../src/auth/mint';
import { TestClient } from '../support/client';
import { LogCapture } from '../support/log-capture';
import { enter, joinAs, step } from '../support/room';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/server';

/** A token of `userId` that ends `ttlSeconds` from now (exp is whole seconds: 1 s less at worst). */
function shortToken(userId: number, ttlSeconds: number, name = `user${userId}`): { token: string; expiresAt: number } {
  const token = mintToken(TEST_JWT_SECRET, { userId: String(userId), name }, ttlSeconds);
  const { exp } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number };
  return { token, expiresAt: exp * 1000 };
}

const untilPast = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

/** PROTOCOL.md §1 "Tokens that end": 4004 at `exp`, unless a `refresh` of the same user moved it. */
describe('tokens that end', () => {
  let server: TestServer;
  const logs = new LogCapture();
  const clients: TestClient[] = [];
  const connect = async (token: string) => {
    const c = await TestClient.connect(server.wsUrl, token);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startTestServer({}, undefined, 'services', logs.logger);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await server.close();
  });

  it('closes the socket with 4004 when its token expires; the room sees the avatar leave', async () => {
    const [watcher] = await joinAs(server, 4, 3);
    clients.push(watcher);
    const { token } = shortToken(3, 2);
    const expiring = await connect(token);
    const welcome = await enter(expiring, 3);

    expect(await expiring.closed).toMatchObject({ code: 4004 });
    const left = await watcher.next((f) => f.type === 'left' && f.userId === '3');
    expect(left).toMatchObject({ reason: 'disconnect', seq: welcome.seq + 1 });
    expect(await logs.next((l) => l.action === 'access.expired' && l.actor === '3')).toMatchObject({
      audit: true,
      result: 'ok',
      roomId: '3',
      level: 30,
    });
  });

  it('a refresh before expiry keeps the socket past the old deadline, until the new one', async () => {
    const first = shortToken(5, 2);
    const client = await connect(first.token);
    await enter(client, 5);
    const second = shortToken(5, 4);
    expect(second.expiresAt).toBeGreaterThan(first.expiresAt);

    expect(await client.request({ type: 'refresh', token: second.token, id: 'r1' })).toEqual({ type: 'ack', id: 'r1' });
    await untilPast(first.expiresAt + 300);
    // Positive proof the socket outlived its first token: a move is confirmed after that deadline.
    expect(await step(client, 'right')).toMatchObject({ type: 'moved', userId: '5', x: 1 });

    expect(await client.closed).toMatchObject({ code: 4004 });
    expect(Date.now()).toBeGreaterThanOrEqual(second.expiresAt);
    expect(logs.audits('access.refresh').filter((l) => l.actor === '5' && l.result === 'ok')).toHaveLength(1);
  });

  it("a refresh with another user's token is FORBIDDEN and closes the socket with 1008", async () => {
    const client = await connect(server.token(6));
    await enter(client, 6);
    const reply = await client.request({ type: 'refresh', token: server.token(7), id: 'r-other' });
    expect(reply).toMatchObject({ type: 'error', code: 'FORBIDDEN', id: 'r-other' });
    expect(await client.closed).toMatchObject({ code: 1008 });
    expect(logs.audits('access.refresh').find((l) => l.actor === '6')).toMatchObject({
      result: 'refused',
      code: 'FORBIDDEN',
      tokenUser: '7',
    });
  });

  it('a refresh token that is not accepted is an error; the socket stays usable', async () => {
    const client = await connect(server.token(8));
    await enter(client, 8);
    const refused = [
      'not-a-jwt',
      mintToken('another-secret-0123456789-0123456789', { userId: '8', name: 'user8' }),
      mintToken(TEST_JWT_SECRET, { userId: '8', name: 'user8' }, -10),
    ];
    for (const [i, token] of refused.entries()) {
      const reply = await client.request({ type: 'refresh', token, id: `bad${i}` });
      expect(reply).toMatchObject({ type: 'error', code: 'BAD_REQUEST', id: `bad${i}` });
      expect(reply.message).toMatch(/^token/);
    }
    expect(await step(client, 'down')).toMatchObject({ type: 'moved', userId: '8', y: 1 });
    expect(client.isOpen).toBe(true);
  });

  it('a refresh frame without a token is BAD_REQUEST naming `token`', async () => {
    const client = await connect(server.token(9));
    const reply = await client.request({ type: 'refresh', id: 'no-token' });
    expect(reply).toMatchObject({ type: 'error', code: 'BAD_REQUEST', id: 'no-token' });
    expect(reply.message).toMatch(/^token/);
  });
});
