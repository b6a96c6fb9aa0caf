import { adminToken, api, type ApiAnswer, expectProblem } from '../support/api';
import { describeEachMode } from '../support/modes';
import { connectAs, enter, joinAs, step } from '../support/room';
import type { TestServer } from '../support/server';

/**
 * The operators' and game backends' HTTP API on one real server, in both modes: every route,
 * every refusal (401, 403, 404, 400, 429), and what the room's clients see of a notice or a kick.
 * Demo data: users 1-10 each own the room with their id.
 */
describeEachMode('operator HTTP API', (mode) => {
  let server: TestServer;
  const ADMIN = adminToken('ops');
  const call = <T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    path: string,
    opts: { token?: string; body?: unknown; rawBody?: string } = {},
  ) => api<T>(server.url, method, path, opts);

  beforeAll(async () => {
    server = await mode.start();
  });
  afterAll(async () => {
    await server.close();
  });

  describe('documentation', () => {
    it('serves the OpenAPI document with every route, and a browsable page', async () => {
      const doc = await call<{
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
        components: { securitySchemes: object };
      }>('GET', '/api/openapi.json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/rooms',
          '/api/rooms/{roomId}/state',
          '/api/rooms/{roomId}/notices',
          '/api/rooms/{roomId}/kick',
          '/api/instances',
          '/api/instances/{id}/drain',
        ]),
      );
      expect(Object.keys(doc.body.paths['/api/rooms/{roomId}/kick'].post as object)).toEqual(
        expect.arrayContaining(['responses', 'security']),
      );
      expect(doc.body.components.securitySchemes).toHaveProperty('bearer');
      const page = await fetch(`${server.url}/api/docs`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/swagger/i);
    });
  });

  describe('authentication', () => {
    it.each([
      ['GET', '/api/rooms'],
      ['GET', '/api/rooms/1/state'],
      ['POST', '/api/rooms/1/notices'],
      ['POST', '/api/rooms/1/kick'],
      ['GET', '/api/instances'],
      ['POST', `/api/instances/x/drain`],
    ] as const)('%s %s without a valid token is a 401 problem', async (method, path) => {
      const body = method === 'POST' ? {} : undefined;
      const none = await call(method, path, { body });
      expectProblem(none, 401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expectProblem(await call(method, path, { token: 'not-a-jwt', body }), 401);
    });

    it('unknown routes under /api are 404 problems too', async () => {
      expectProblem(await call('GET', '/api/nothing-here', { token: ADMIN }), 404);
    });
  });

  describe('GET /api/rooms', () => {
    it('admins see every room with live players: counts, seq, map version and instances; others the directory', async () => {
      const [player, welcome] = await joinAs(server, 2, 3);
      const watcher = await connectAs(server, 4);
      await enter(watcher, 3, { as: 'spectator' });
      try {
        const live = await call<{ rooms: unknown[] }>('GET', '/api/rooms', { token: ADMIN });
        expect(live.status).toBe(200);
        expect(live.body.rooms).toEqual([
          {
            roomId: '3',
            owner: { userId: '3', name: 'user3' },
            players: 1,
            spectators: 1,
            seq: welcome.seq,
            version: welcome.map.version,
            instances: [server.config.instanceId],
          },
        ]);
        const directory = await call<{ rooms: unknown[] }>('GET', '/api/rooms', { token: server.token(5) });
        expect(directory.body.rooms).toHaveLength(10);
        expect(directory.body.rooms[2]).toEqual({ roomId: '3', owner: { userId: '3', name: 'user3' } });
      } finally {
        await Promise.all([player.close(), watcher.close()]);
      }
    });
  });

  describe('GET /api/rooms/:roomId/state', () => {
    it('shows the live room as a welcome would, to anyone signed in', async () => {
      const [player, welcome] = await joinAs(server, 6, 6);
      try {
        await step(player, 'right');
        const state = await call('GET', '/api/rooms/6/state', { token: server.token(9) });
        expect(state.status).toBe(200);
        expect(state.body).toEqual({
          roomId: '6',
          seq: welcome.seq + 1,
          map: welcome.map,
          members: [{ userId: '6', name: 'user6', x: 1, y: 0, role: 'player' }],
          spectators: 0,
        });
      } finally {
        await player.close();
      }
    });

    it('shows the stored map of a room nobody entered; unknown rooms are 404, bad ids 400', async () => {
      const state = await call<{ map: { width: number }; members: unknown[] }>('GET', '/api/rooms/10/state', {
        token: ADMIN,
      });
      expect(state.status).toBe(200);
      expect(state.body).toMatchObject({ roomId: '10', members: [], spectators: 0, map: { width: 20 } });
      expectProblem(await call('GET', '/api/rooms/404/state', { token: ADMIN }), 404);
      expectProblem(await call('GET', '/api/rooms/bad%20id/state', { token: ADMIN }), 400, 'roomId');
    });
  });

  describe('POST /api/rooms/:roomId/notices', () => {
    it('the owner pushes a notice: every client in the room gets it with the next seq, and a resume replays it', async () => {
      const [owner, ownerWelcome] = await joinAs(server, 7, 7);
      const [visitor] = await joinAs(server, 8, 7);
      const seqBefore = ownerWelcome.seq + 1; // the visitor's `entered`
      const answer = await call('POST', '/api/rooms/7/notices', {
        token: server.token(7),
        body: { text: 'Tournament at 8 — bring snacks' },
      });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ roomId: '7', seq: seqBefore + 1 });
      const expected = {
        type: 'notice',
        roomId: '7',
        seq: seqBefore + 1,
        text: 'Tournament at 8 — bring snacks',
        from: { userId: '7', name: 'user7' },
      };
      expect(await visitor.next((f) => f.type === 'notice')).toEqual(expected);
      expect(await owner.next((f) => f.type === 'notice')).toEqual(expected);

      // A client that missed it gets it on resume, in seq order.
      const late = await connectAs(server, 9);
      await enter(late, 7, { resume: { seq: seqBefore } });
      expect(await late.next((f) => f.type === 'notice')).toEqual(expected);
      await Promise.all([owner.close(), visitor.close(), late.close()]);
    });

    it('an admin may notice any room, even an empty one; others may not (403)', async () => {
      const before = await call<{ seq: number }>('GET', '/api/rooms/5/state', { token: ADMIN });
      const answer = await call<{ seq: number }>('POST', '/api/rooms/5/notices', {
        token: ADMIN,
        body: { text: 'hello' },
      });
      expect(answer.status).toBe(202);
      expect(answer.body.seq).toBe(before.body.seq + 1);
      const refused = await call('POST', '/api/rooms/5/notices', { token: server.token(6), body: { text: 'hello' } });
      expectProblem(refused, 403);
      expect((await call<{ seq: number }>('GET', '/api/rooms/5/state', { token: ADMIN })).body.seq).toBe(
        answer.body.seq,
      );
    });

    it('refuses bad bodies naming the field, and unknown rooms, changing nothing', async () => {
      const seq = async () => (await call<{ seq: number }>('GET', '/api/rooms/4/state', { token: ADMIN })).body.seq;
      const before = await seq();
      const owner = server.token(4);
      const bad: [unknown, string | undefined][] = [
        [{}, 'text'],
        [{ text: '' }, 'text'],
        [{ text: '   ' }, 'text'],
        [{ text: 'x'.repeat(501) }, 'text'],
        [{ text: 7 }, 'text'],
      ];
      for (const [body, field] of bad)
        expectProblem(await call('POST', '/api/rooms/4/notices', { token: owner, body }), 400, field);
      expectProblem(await call('POST', '/api/rooms/4/notices', { token: owner, rawBody: '{"text":' }), 400);
      expect(
        (await call('POST', '/api/rooms/4/notices', { token: owner, body: { text: 'x'.repeat(500) } })).status,
      ).toBe(202);
      expect(await seq()).toBe(before + 1);
      expectProblem(await call('POST', '/api/rooms/404/notices', { token: ADMIN, body: { text: 'hi' } }), 404);
    });
  });

  describe('POST /api/rooms/:roomId/kick', () => {
    it('an admin kicks a player: the avatar leaves with `kicked`, the socket gets `kicked` and 4003', async () => {
      const [owner] = await joinAs(server, 1, 1);
      const [victim] = await joinAs(server, 2, 1);
      const answer = await call<{ seq: number }>('POST', '/api/rooms/1/kick', { token: ADMIN, body: { userId: '2' } });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ roomId: '1', userId: '2', seq: expect.any(Number) });
      expect(await owner.next((f) => f.type === 'left')).toEqual({
        type: 'left',
        roomId: '1',
        seq: answer.body.seq,
        userId: '2',
        reason: 'kicked',
      });
      expect(await victim.next((f) => f.type === 'kicked')).toEqual({
        type: 'kicked',
        roomId: '1',
        message: expect.any(String),
      });
      expect((await victim.closed).code).toBe(4003);
      const state = await call<{ members: { userId: string }[] }>('GET', '/api/rooms/1/state', { token: ADMIN });
      expect(state.body.members.map((m) => m.userId)).toEqual(['1']);
      // Kicked once: a second kick finds nobody.
      expectProblem(await call('POST', '/api/rooms/1/kick', { token: ADMIN, body: { userId: '2' } }), 404);
      await owner.close();
    });

    it('the owner may kick a visitor, but nobody kicks the owner, and visitors kick nobody', async () => {
      const [owner] = await joinAs(server, 3, 3);
      const [visitor] = await joinAs(server, 8, 3);
      expectProblem(await call('POST', '/api/rooms/3/kick', { token: server.token(3), body: { userId: '3' } }), 403);
      expectProblem(await call('POST', '/api/rooms/3/kick', { token: ADMIN, body: { userId: '3' } }), 403);
      expectProblem(await call('POST', '/api/rooms/3/kick', { token: server.token(8), body: { userId: '3' } }), 403);
      const kicked = await call('POST', '/api/rooms/3/kick', { token: server.token(3), body: { userId: '8' } });
      expect(kicked.status).toBe(202);
      expect((await visitor.closed).code).toBe(4003);
      expect(owner.isOpen).toBe(true);
      await owner.close();
    });

    it('404 for a user not in the room (or only watching it) and for unknown rooms; 400 names the field', async () => {
      const watcher = await connectAs(server, 9);
      await enter(watcher, 2, { as: 'spectator' });
      expectProblem(await call('POST', '/api/rooms/2/kick', { token: ADMIN, body: { userId: '9' } }), 404);
      expectProblem(await call('POST', '/api/rooms/2/kick', { token: ADMIN, body: { userId: '5' } }), 404);
      expectProblem(await call('POST', '/api/rooms/404/kick', { token: ADMIN, body: { userId: '5' } }), 404);
      expectProblem(await call('POST', '/api/rooms/2/kick', { token: ADMIN, body: {} }), 400, 'userId');
      expectProblem(
        await call('POST', '/api/rooms/2/kick', { token: ADMIN, body: { userId: 'no spaces' } }),
        400,
        'userId',
      );
      expect(watcher.isOpen).toBe(true);
      await watcher.close();
    });
  });

  describe('GET /api/instances', () => {
    it('lists this instance and its figures, for admins only', async () => {
      const [player] = await joinAs(server, 10, 10);
      try {
        const answer = await call<{ instances: Record<string, unknown>[] }>('GET', '/api/instances', { token: ADMIN });
        expect(answer.status).toBe(200);
        expect(answer.body.instances).toEqual([
          {
            instanceId: server.config.instanceId,
            startedAt: expect.any(String),
            sessions: 1,
            rooms: 1,
            leaseEpoch: mode.mode === 'services' ? expect.any(String) : null,
            draining: false,
            eventLoopLagMs: expect.any(Number),
            brokerLagMs: null,
            updatedAt: expect.any(String),
          },
        ]);
        expectProblem(await call('GET', '/api/instances', { token: server.token(10) }), 403);
        expectProblem(
          await call('POST', `/api/instances/${server.config.instanceId}/drain`, { token: server.token(10) }),
          403,
        );
        expectProblem(await call('POST', '/api/instances/no-such-instance/drain', { token: ADMIN }), 404);
        expectProblem(await call('POST', '/api/instances/bad%20id/drain', { token: ADMIN }), 400, 'id');
      } finally {
        await player.close();
      }
    });
  });

  describe('rate limit', () => {
    it('answers 429 with Retry-After once one user asks too fast; other users are not affected', async () => {
      const token = server.token(6);
      const answers: ApiAnswer[] = await Promise.all(
        Array.from({ length: 150 }, () => call('GET', '/api/me', { token })),
      );
      const limited = answers.filter((a) => a.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
      expectProblem(limited[0], 429);
      expect(limited[0].body.code).toBe('RATE_LIMITED');
      expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await call('GET', '/api/me', { token: server.token(7) })).status).toBe(200);
    });
  });
});

describeEachMode('POST /api/instances/:id/drain on the instance itself', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start({ DRAIN_GRACE_MS: '1500' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('drains as SIGTERM does: unready at once, avatars out, clients get 1012 with a hint, then the server stops', async () => {
    const [player] = await joinAs(server, 1, 1);
    const answer = await api(server.url, 'POST', `/api/instances/${server.config.instanceId}/drain`, {
      token: adminToken(),
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ instanceId: server.config.instanceId, draining: true });
    // Readiness turns 503 while the grace period keeps the socket open.
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { draining: boolean } }).checks.draining).toBe(true);
    const closed = await player.closed;
    expect(closed.code).toBe(1012);
    expect(JSON.parse(closed.reason)).toEqual({ retryAfterMs: expect.any(Number) });
    await server.closed;
  });
});
