import { api } from '../support/api';
import { type ServerPair, startServerPair } from '../support/cluster-pair';
import { connectAs, joinAs } from '../support/room';

/**
 * A ban or a private room set through one instance holds on the other at once, also where the
 * other instance had read the room's rules before (rooms/entry-rules.ts keeps them).
 */
describe('room access across two instances', () => {
  let pair: ServerPair;
  beforeAll(async () => {
    pair = await startServerPair();
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('a ban through A removes the user from B (kicked, 4003), and B refuses their enter', async () => {
    const [owner] = await joinAs(pair.a, 1, 1);
    const [victim] = await joinAs(pair.b, 2, 1);
    const ban = await api<{ kickedSeq: number }>(pair.a.url, 'PUT', '/api/rooms/1/bans/2', { token: pair.a.token(1) });
    expect(ban.status).toBe(200);
    expect(await owner.next((f) => f.type === 'left' && f.userId === '2')).toMatchObject({
      reason: 'kicked',
      seq: ban.body.kickedSeq,
    });
    expect(await victim.next((f) => f.type === 'kicked')).toMatchObject({ roomId: '1' });
    expect((await victim.closed).code).toBe(4003);
    const back = await connectAs(pair.b, 2);
    expect(await back.request({ type: 'enter', roomId: '1' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    await back.close();
    await owner.close();
  });

  it('a room made private through B refuses strangers on A, which had read it public', async () => {
    // A reads room 3's rules (public) for this enter and keeps them: the change must still apply there at once.
    const early = await connectAs(pair.a, 5);
    expect(await early.request({ type: 'enter', roomId: '3' })).toMatchObject({ type: 'welcome' });
    await early.close();
    const set = await api(pair.b.url, 'PUT', '/api/rooms/3/access', {
      token: pair.b.token(3),
      body: { mode: 'private', allow: ['4'] },
    });
    expect(set.status).toBe(200);
    const stranger = await connectAs(pair.a, 5);
    expect(await stranger.request({ type: 'enter', roomId: '3' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    const [listed, w] = await joinAs(pair.a, 4, 3);
    expect(w.type).toBe('welcome');
    await stranger.close();
    await listed.close();
  });
});
