import { loadConfig } from '../../src/config/config';
import { startTestServer, type TestServer } from '../support/server';

/** The HTTP API the web client uses, on the real server (services mode, demo data seeded). */
describe('web client HTTP API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const get = (path: string, token?: string) =>
    fetch(server.url + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const post = (path: string, body: unknown) =>
    fetch(server.url + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('hands out a dev token for an existing user, and the token opens the API', async () => {
    const res = await post('/api/dev/token', { userId: '3' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; user: unknown };
    expect(body.user).toEqual({ userId: '3', name: 'user3' });

    const me = await get('/api/me', body.token);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user: { userId: '3', name: 'user3' }, roomId: '3' });
  });

  it('accepts a numeric user id, refuses unknown users and bad bodies', async () => {
    expect((await post('/api/dev/token', { userId: 4 })).status).toBe(200);
    expect((await post('/api/dev/token', { userId: '999' })).status).toBe(404);
    const bad = await post('/api/dev/token', { userId: 'no spaces allowed' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await bad.json()).toMatchObject({
      status: 400,
      field: 'userId',
      detail: expect.stringMatching(/^userId: /),
    });
    expect((await post('/api/dev/token', {})).status).toBe(400);
  });

  it('lists the demo users for the sign-in screen', async () => {
    const res = await get('/api/dev/users');
    const { users } = (await res.json()) as { users: { userId: string }[] };
    expect(users.map((u) => u.userId)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });

  it('lists rooms and tells a room owner and library, only with a valid token', async () => {
    const token = server.token(5);
    expect((await get('/api/rooms')).status).toBe(401);
    expect((await get('/api/rooms', 'not-a-jwt')).status).toBe(401);

    const rooms = (await (await get('/api/rooms', token)).json()) as {
      rooms: { roomId: string; owner: { name: string } }[];
    };
    expect(rooms.rooms).toHaveLength(10);
    expect(rooms.rooms[2]).toEqual({ roomId: '3', owner: { userId: '3', name: 'user3' } });

    const room = await get('/api/rooms/3', token);
    expect(await room.json()).toEqual({
      roomId: '3',
      owner: { userId: '3', name: 'user3' },
      games: [
        { id: 3, name: 'Checkers' },
        { id: 4, name: 'Backgammon' },
        { id: 5, name: 'Mahjong' },
      ],
    });
    expect((await get('/api/rooms/404', token)).status).toBe(404);
    expect((await get('/api/rooms/bad%20id', token)).status).toBe(400);
  });

  it('keeps health, metrics and unknown API routes apart from the static web client', async () => {
    const health = await get('/health/live');
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await get('/metrics')).status).toBe(200);
    expect((await get('/api/nothing-here')).status).toBe(404);
  });
});

describe('web client HTTP API with DEV_TOKENS=false', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DEV_TOKENS: 'false' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('has no dev sign-in (404) but still serves the rest of the API', async () => {
    const res = await fetch(`${server.url}/api/dev/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: '1' }),
    });
    expect(res.status).toBe(404);
    expect((await fetch(`${server.url}/api/dev/users`)).status).toBe(404);
    const me = await fetch(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${server.token(1)}` } });
    expect(me.status).toBe(200);
  });
});

describe('admin tokens from the dev sign-in', () => {
  const post = (server: TestServer, body: unknown) =>
    fetch(`${server.url}/api/dev/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const claims = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

  it('are refused (403) unless DEV_ADMIN_TOKENS is on; plain tokens carry no role', async () => {
    const server = await startTestServer();
    try {
      expect((await post(server, { userId: '1', admin: true })).status).toBe(403);
      const plain = (await (await post(server, { userId: '1', admin: false })).json()) as { token: string };
      expect(claims(plain.token)).not.toHaveProperty('role');
    } finally {
      await server.close();
    }
  });

  it('are minted with role "admin" when DEV_ADMIN_TOKENS is on (on loopback)', async () => {
    const server = await startTestServer({ DEV_ADMIN_TOKENS: 'true' });
    try {
      const res = await post(server, { userId: '2', admin: true });
      expect(res.status).toBe(200);
      const { token } = (await res.json()) as { token: string };
      expect(claims(token)).toMatchObject({ sub: '2', role: 'admin' });
      const me = await fetch(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('cannot be configured on an address other machines reach', () => {
    const env = {
      JWT_SECRET: 'x'.repeat(32),
      REDIS_URL: 'redis://h',
      MYSQL_URL: 'mysql://h/db',
      DEV_TOKENS: 'true',
      DEV_ADMIN_TOKENS: 'true',
    };
    expect(() => loadConfig(env)).toThrow(/DEV_ADMIN_TOKENS: .*only allowed on loopback/);
    expect(() => loadConfig({ ...env, HOST: '10.1.2.3' })).toThrow(/only allowed on loopback/);
    expect(loadConfig({ ...env, HOST: '127.0.0.1' }).auth.devAdminTokens).toBe(true);
  });
});
