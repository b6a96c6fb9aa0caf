import { adminToken, api, expectProblem } from '../support/api';
import { describeEachMode } from '../support/modes';
import { connectAs, joinAs } from '../support/room';
import type { TestServer } from '../support/server';

/**
 * Owners control their room: privacy (an allow list) and bans, over HTTP, in both modes; what
 * `enter` answers then, and what happens to a banned user who is inside. Demo data: users 1-10
 * each own the room with their id.
 */
describeEachMode('room access and bans', (mode) => {
  let server: TestServer;
  const ADMIN = adminToken('ops');
  const call = <T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    opts: { token?: string; body?: unknown } = {},
  ) => api<T>(server.url, method, path, opts);
  const enterAs = async (userId: number, roomId: number) => {
    const client = await connectAs(server, userId);
    const reply = await client.request({ type: 'enter', roomId: String(roomId) });
    return { client, reply };
  };

  beforeAll(async () => {
    server = await mode.start();
  });
  afterAll(async () => {
    await server.close();
  });

  it('a room is public until its owner says otherwise', async () => {
    const answer = await call('GET', '/api/rooms/1/access', { token: server.token(1) });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ roomId: '1', mode: 'public', allow: [], banned: [] });
  });

  it('private: only the owner and the listed users enter; others get FORBIDDEN; public again opens it', async () => {
    const set = await call('PUT', '/api/rooms/2/access', {
      token: server.token(2),
      body: { mode: 'private', allow: ['3', '3', '4'] },
    });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ roomId: '2', mode: 'private', allow: ['3', '4'], banned: [] });

    const [owner] = await joinAs(server, 2, 2);
    const [listed] = await joinAs(server, 3, 2);
    const stranger = await enterAs(5, 2);
    expect(stranger.reply).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    // Refused without a trace: the room saw nobody come.
    const state = await call<{ members: { userId: string }[] }>('GET', '/api/rooms/2/state', { token: ADMIN });
    expect(state.body.members.map((m) => m.userId).sort()).toEqual(['2', '3']);
    // Spectators are users too: a stranger may not watch either.
    const watcher = await connectAs(server, 'watcher');
    expect(await watcher.request({ type: 'enter', roomId: '2', as: 'spectator' })).toMatchObject({ code: 'FORBIDDEN' });
    await watcher.close();

    expect(
      (await call('PUT', '/api/rooms/2/access', { token: ADMIN, body: { mode: 'public', allow: [] } })).status,
    ).toBe(200);
    expect((await stranger.client.request({ type: 'enter', roomId: '2' })).type).toBe('welcome');
    for (const c of [owner, listed, stranger.client]) await c.close();
  });

  it('a ban refuses the enter; a banned user inside is removed with `kicked` and 4003; lifting it lets them back', async () => {
    const [owner] = await joinAs(server, 6, 6);
    const [victim] = await joinAs(server, 7, 6);
    const ban = await call<{ kickedSeq: number }>('PUT', '/api/rooms/6/bans/7', { token: server.token(6) });
    expect(ban.status).toBe(200);
    expect(ban.body).toEqual({ roomId: '6', userId: '7', banned: true, kickedSeq: expect.any(Number) });
    expect(await owner.next((f) => f.type === 'left')).toEqual({
      type: 'left',
      roomId: '6',
      seq: ban.body.kickedSeq,
      userId: '7',
      reason: 'kicked',
    });
    expect(await victim.next((f) => f.type === 'kicked')).toMatchObject({ type: 'kicked', roomId: '6' });
    expect((await victim.closed).code).toBe(4003);

    const again = await enterAs(7, 6);
    expect(again.reply).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect((await call('GET', '/api/rooms/6/access', { token: server.token(6) })).body).toMatchObject({
      banned: ['7'],
    });

    // A banned user watching as a spectator (no avatar) is removed too.
    const [watching] = await joinAs(server, 10, 6, { as: 'spectator' });
    expect((await call('PUT', '/api/rooms/6/bans/10', { token: server.token(6) })).body).toEqual({
      roomId: '6',
      userId: '10',
      banned: true,
    });
    expect(await watching.next((f) => f.type === 'kicked')).toMatchObject({ roomId: '6' });
    expect((await watching.closed).code).toBe(4003);

    // Banning someone who is not inside only stores the ban.
    expect((await call('PUT', '/api/rooms/6/bans/8', { token: ADMIN })).body).toEqual({
      roomId: '6',
      userId: '8',
      banned: true,
    });

    const lifted = await call('DELETE', '/api/rooms/6/bans/7', { token: server.token(6) });
    expect(lifted.status).toBe(200);
    expect(lifted.body).toEqual({ roomId: '6', userId: '7', banned: false });
    expect((await again.client.request({ type: 'enter', roomId: '6' })).type).toBe('welcome');
    await owner.close();
    await again.client.close();
  });

  it('refusals: no token 401, not the owner 403, the owner cannot be banned 403, bad bodies 400, unknown room 404', async () => {
    expectProblem(await call('PUT', '/api/rooms/9/access', { body: { mode: 'private', allow: [] } }), 401);
    expectProblem(await call('GET', '/api/rooms/9/access'), 401);
    expectProblem(
      await call('PUT', '/api/rooms/9/access', { token: server.token(8), body: { mode: 'private', allow: [] } }),
      403,
    );
    expectProblem(await call('PUT', '/api/rooms/9/bans/1', { token: server.token(8) }), 403);
    expectProblem(await call('DELETE', '/api/rooms/9/bans/1', { token: server.token(8) }), 403);
    expectProblem(await call('PUT', '/api/rooms/9/bans/9', { token: server.token(9) }), 403);
    expectProblem(await call('PUT', '/api/rooms/9/bans/9', { token: ADMIN }), 403);
    expectProblem(
      await call('PUT', '/api/rooms/9/access', { token: server.token(9), body: { mode: 'secret', allow: [] } }),
      400,
      'mode',
    );
    expectProblem(
      await call('PUT', '/api/rooms/9/access', { token: server.token(9), body: { mode: 'private', allow: ['a b'] } }),
      400,
    );
    expectProblem(await call('PUT', '/api/rooms/9/access', { token: server.token(9), body: { mode: 'private' } }), 400);
    expectProblem(await call('PUT', '/api/rooms/9/bans/bad%20id', { token: server.token(9) }), 400, 'userId');
    expectProblem(await call('PUT', '/api/rooms/404/bans/1', { token: ADMIN }), 404);
    expectProblem(
      await call('PUT', '/api/rooms/404/access', { token: ADMIN, body: { mode: 'public', allow: [] } }),
      404,
    );
    // Nothing was changed by any of them.
    expect((await call('GET', '/api/rooms/9/access', { token: server.token(9) })).body).toEqual({
      roomId: '9',
      mode: 'public',
      allow: [],
      banned: [],
    });
  });
});
