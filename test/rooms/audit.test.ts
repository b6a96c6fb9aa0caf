import { mintToken } from '../../src/auth/mint';
import { HandshakeRefused, TestClient } from '../support/client';
import { adminToken, api } from '../support/api';
import { LogCapture } from '../support/log-capture';
import { build, enter, joinAs, wall } from '../support/room';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/server';

describe('audit lines', () => {
  const logs = new LogCapture();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, undefined, 'services', logs.logger);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a build that succeeds and builds that are refused: who, what, room, result and code', async () => {
    const [owner, welcome] = await joinAs(server, 2, 2);
    const [visitor] = await joinAs(server, 3, 2);
    expect(await build(owner, welcome.map.version, [wall(4, 4)])).toMatchObject({ type: 'ack' });
    expect(await build(owner, welcome.map.version, [wall(5, 5)])).toMatchObject({ code: 'CONFLICT' });
    expect(await build(visitor, welcome.map.version + 1, [wall(6, 6)])).toMatchObject({ code: 'FORBIDDEN' });
    expect(await build(owner, welcome.map.version + 1, [wall(99, 99)])).toMatchObject({ code: 'INVALID_BUILD' });

    const builds = logs.audits('build');
    expect(builds).toEqual([
      expect.objectContaining({ actor: '2', roomId: '2', result: 'ok', level: 30 }),
      expect.objectContaining({ actor: '2', roomId: '2', result: 'refused', code: 'CONFLICT' }),
      expect.objectContaining({ actor: '3', roomId: '2', result: 'refused', code: 'FORBIDDEN' }),
      expect.objectContaining({ actor: '2', roomId: '2', result: 'refused', code: 'INVALID_BUILD' }),
    ]);
    await Promise.all([owner.close(), visitor.close()]);
  });

  it('dev sign-in: who got a token for whom, admin or not', async () => {
    const res = await fetch(`${server.url}/api/dev/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: 4 }),
    });
    expect(res.status).toBe(200);
    expect(logs.audits('access.dev-token')).toEqual([
      expect.objectContaining({ actor: 'anonymous', user: '4', admin: false, result: 'ok', ip: expect.any(String) }),
    ]);
  });

  it('operator actions: notices and kicks, done and refused, name the actor, the room and the target', async () => {
    const [owner] = await joinAs(server, 7, 7);
    const [visitor] = await joinAs(server, 8, 7);
    expect(
      (await api(server.url, 'POST', '/api/rooms/7/notices', { token: server.token(7), body: { text: 'hello' } }))
        .status,
    ).toBe(202);
    expect(
      (await api(server.url, 'POST', '/api/rooms/7/notices', { token: server.token(8), body: { text: 'mine now' } }))
        .status,
    ).toBe(403);
    expect(
      (await api(server.url, 'POST', '/api/rooms/7/kick', { token: adminToken('ops'), body: { userId: '8' } })).status,
    ).toBe(202);
    expect(
      (await api(server.url, 'POST', '/api/rooms/7/kick', { token: adminToken('ops'), body: { userId: '8' } })).status,
    ).toBe(404);

    expect(logs.audits('notice')).toEqual([
      expect.objectContaining({ actor: '7', roomId: '7', result: 'ok', chars: 5, level: 30 }),
      expect.objectContaining({ actor: '8', roomId: '7', result: 'refused', code: 'FORBIDDEN' }),
    ]);
    expect(logs.audits('kick')).toEqual([
      expect.objectContaining({ actor: 'ops', roomId: '7', target: '8', result: 'ok' }),
      expect.objectContaining({ actor: 'ops', roomId: '7', target: '8', result: 'refused', code: 'NOT_IN_ROOM' }),
    ]);
    await Promise.all([owner.close(), visitor.close()]);
  });

  it("a drain (shutdown) is the system's, with how many sessions it ended", async () => {
    const [client] = await joinAs(server, 5, 5);
    await server.close();
    server = undefined as unknown as TestServer;
    expect(await client.closed).toMatchObject({ code: 1012 });
    expect(logs.audits('drain')).toEqual([
      expect.objectContaining({ actor: 'system', result: 'ok', sessions: 1, level: 30 }),
    ]);
  });
});

/**
 * Tokens and the JWT secret never reach a log line, at the most verbose level, whatever a client
 * sends: tokens good and bad in both handshake places, the dev sign-in, a refresh, an expiry and
 * frames carrying a token where it does not belong.
 */
describe('no token or secret in any log line', () => {
  it('holds through handshakes, the dev sign-in, refresh, expiry and bad frames', async () => {
    const logs = new LogCapture('trace');
    const server = await startTestServer({}, undefined, 'services', logs.logger);
    const tokens: string[] = [];
    const keep = (t: string) => {
      tokens.push(t);
      return t;
    };
    try {
      const good = keep(server.token(2));
      const viaHeader = await TestClient.connect(server.wsUrl, good);
      await enter(viaHeader, 2);
      const viaProtocol = await TestClient.connect(server.wsUrl, undefined, {
        protocols: ['myroom.v1', `bearer.${keep(server.token(3))}`],
      });
      await enter(viaProtocol, 2);

      const bad = [
        keep(mintToken('not-the-secret-0123456789-0123456789', { userId: '4', name: 'x' })),
        keep(mintToken(TEST_JWT_SECRET, { userId: '4', name: 'x' }, -60)),
        keep('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0In0.forged-signature-forged-signature'),
      ];
      for (const token of bad) {
        await expect(TestClient.connect(server.wsUrl, token)).rejects.toBeInstanceOf(HandshakeRefused);
        await expect(
          TestClient.connect(server.wsUrl, undefined, { protocols: ['myroom.v1', `bearer.${token}`] }),
        ).rejects.toBeInstanceOf(HandshakeRefused);
      }
      await expect(
        TestClient.connect(server.wsUrl, undefined, {
          headers: { Authorization: `Basic ${keep('dXNlcjpwYXNzd29yZA')}` },
        }),
      ).rejects.toBeInstanceOf(HandshakeRefused);

      const res = await fetch(`${server.url}/api/dev/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId: 6 }),
      });
      const devToken = keep(((await res.json()) as { token: string }).token);
      const api = await fetch(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${devToken}` } });
      expect(api.status).toBe(200);
      const refusedApi = await fetch(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${bad[0]}` } });
      expect(refusedApi.status).toBe(401);

      expect(await viaHeader.request({ type: 'refresh', token: keep(server.token(2)) })).toMatchObject({ type: 'ack' });
      expect(await viaHeader.request({ type: 'refresh', token: bad[0] })).toMatchObject({ code: 'BAD_REQUEST' });
      expect(await viaHeader.request({ type: 'enter', roomId: good })).toMatchObject({ code: 'BAD_REQUEST' });
      expect(await viaHeader.request({ type: good })).toMatchObject({ code: 'BAD_REQUEST' });
      viaHeader.send(`{"type":"refresh","token":"${good}"`);
      await viaHeader.next((f) => f.type === 'error' && /JSON/.test(f.message as string));

      const expiring = await TestClient.connect(
        server.wsUrl,
        keep(mintToken(TEST_JWT_SECRET, { userId: '7', name: 'user7' }, 1)),
      );
      expect(await expiring.closed).toMatchObject({ code: 4004 });
      await Promise.all([viaHeader.close(), viaProtocol.close()]);
    } finally {
      await server.close();
    }

    // The sanity checks that this test saw what it claims to have gone through.
    expect(logs.audits('access.refresh').map((l) => l.result)).toEqual(['ok', 'refused']);
    expect(logs.audits('access.expired')).toHaveLength(1);
    expect(logs.lines.filter((l) => l.msg === 'handshake refused').length).toBeGreaterThanOrEqual(6);

    const secrets = [
      TEST_JWT_SECRET,
      ...tokens,
      ...tokens.map((t) => t.split('.')[2]).filter((s) => s && s.length > 8),
    ];
    for (const line of logs.raw) {
      for (const s of secrets)
        if (line.includes(s)) throw new Error(`a log line carries a credential (${s.slice(0, 12)}…): ${line}`);
    }
    expect(logs.raw.length).toBeGreaterThan(20);
  });
});
