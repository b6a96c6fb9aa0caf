import { adminToken, api, expectProblem, signedToken } from '../support/api';
import type { Frame, TestClient } from '../support/client';
import { connectAs, enter, joinAs, type Welcome } from '../support/room';
import { startServerPair, type ServerPair } from '../support/cluster-pair';
import { createTestEnv, deleteKeys, startTestServer, type TestEnv, type TestServer } from '../support/server';

/**
 * Chat: `say` from anyone in the room reaches everyone as `said` with the room's next seq; the
 * history comes back in every `welcome` and through GET /api/rooms/:roomId/chat, from the SQL
 * store, so it outlives the server and the room's Redis keys.
 */

type Said = Frame & { type: 'said'; seq: number; userId: string; name: string; text: string; at: string; id?: string };
type ChatWelcome = Welcome & { chat: Said[] };

// Enough lines per window for the history tests; the general frame rate must not be what stops them.
const LINES = 55;
const OVERRIDES = { CHAT_RATE_LINES: String(LINES), CHAT_RATE_WINDOW_MS: '60000', RATE_LIMIT_PER_SEC: '1000' };

/** The `said` event with this seq, once it arrived (already or later). */
const heard = (client: TestClient, seq: number) => client.next((f) => f.type === 'said' && f.seq === seq);

async function say(client: TestClient, text: string, id?: string): Promise<Frame> {
  const reply = await client.request({ type: 'say', text, ...(id !== undefined ? { id } : {}) });
  return reply;
}

describe('chat', () => {
  let env: TestEnv;
  let server: TestServer;
  beforeAll(async () => {
    env = await createTestEnv('services');
    server = await startTestServer(OVERRIDES, env);
  });
  afterAll(async () => {
    await server?.close();
    await env.dropAll();
  });

  it('a line reaches players and spectators, trimmed, with the next seq and the server time; the sender gets its id', async () => {
    const [alice, w] = await joinAs(server, 1, 1);
    const [bob] = await joinAs(server, 2, 1);
    const watcher = await connectAs(server, 3);
    await enter(watcher, 1, { as: 'spectator' });
    const seq = w.seq + 2; // bob's `entered`, then the line
    const before = Date.now();
    const text = '  <script>alert("hi")</script> héllo 👋 \n';
    const mine = (await say(alice, text, 'c1')) as Said;
    expect(mine).toEqual({
      type: 'said',
      id: 'c1',
      roomId: '1',
      seq,
      userId: '1',
      name: 'user1',
      text: '<script>alert("hi")</script> héllo 👋',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(Date.parse(mine.at)).toBeGreaterThanOrEqual(before - 1000);
    const { id: _id, ...theirs } = mine;
    expect(await heard(bob, seq)).toEqual(theirs);
    expect(await heard(watcher, seq)).toEqual(theirs);

    // A spectator may talk too; its line is the next event like any other.
    const fromWatcher = (await say(watcher, 'hello from the stands', 'w1')) as Said;
    expect(fromWatcher).toMatchObject({
      type: 'said',
      id: 'w1',
      seq: seq + 1,
      userId: '3',
      text: 'hello from the stands',
    });
    const heardByAlice = await heard(alice, seq + 1);
    expect(heardByAlice).toMatchObject({ type: 'said', userId: '3', text: 'hello from the stands' });
    expect(heardByAlice.id).toBeUndefined();
    await Promise.all([alice.close(), bob.close(), watcher.close()]);
  });

  it('refuses empty and too long lines with BAD_REQUEST naming text, and lines from outside a room', async () => {
    const [carol, w] = await joinAs(server, 4, 4);
    for (const text of ['', '   \n\t ', 'x'.repeat(501), ` ${'é'.repeat(501)} `]) {
      expect(await carol.request({ type: 'say', id: 'bad', text })).toMatchObject({
        type: 'error',
        code: 'BAD_REQUEST',
        id: 'bad',
        message: expect.stringMatching(/^text: /),
      });
    }
    expect(await carol.request({ type: 'say', id: 'n', text: 5 })).toMatchObject({ code: 'BAD_REQUEST' });
    // 500 characters after trimming are fine, counted as characters: 500 emoji are 1000 UTF-16 units.
    expect(await say(carol, ` ${'🙂'.repeat(500)} `)).toMatchObject({
      type: 'said',
      seq: w.seq + 1,
      text: '🙂'.repeat(500),
    });
    expect(await say(carol, 'y'.repeat(500))).toMatchObject({ type: 'said', seq: w.seq + 2 });
    const outsider = await connectAs(server, 5);
    expect(await outsider.request({ type: 'say', id: 'o', text: 'hi' })).toMatchObject({
      type: 'error',
      code: 'NOT_IN_ROOM',
      id: 'o',
    });
    await Promise.all([carol.close(), outsider.close()]);
  });

  it('welcome carries the last 50 lines, oldest first; beyond the rate the user gets RATE_LIMITED with retryAfterMs', async () => {
    const [talker, w] = await joinAs(server, 6, 6);
    for (let i = 1; i <= LINES; i++)
      expect(await say(talker, `line ${i}`)).toMatchObject({ type: 'said', seq: w.seq + i });
    const limited = await talker.request({ type: 'say', id: 'late', text: 'one too many' });
    expect(limited).toMatchObject({
      type: 'error',
      code: 'RATE_LIMITED',
      id: 'late',
      retryAfterMs: expect.any(Number),
    });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(60_000);
    // The limit is the user's, not the socket's: another socket of the same user is refused too.
    const again = await connectAs(server, 6);
    await enter(again, 6, { as: 'spectator' });
    expect(await again.request({ type: 'say', text: 'me again' })).toMatchObject({ code: 'RATE_LIMITED' });

    const [newcomer, seen] = (await joinAs(server, 7, 6)) as [TestClient, ChatWelcome];
    expect(seen.chat.map((l) => l.text)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i + 6}`));
    expect(seen.chat.map((l) => l.seq)).toEqual(Array.from({ length: 50 }, (_, i) => w.seq + i + 6));
    expect(seen.chat[49]).toEqual({
      type: 'said',
      roomId: '6',
      seq: w.seq + LINES,
      userId: '6',
      name: 'user6',
      text: `line ${LINES}`,
      at: expect.any(String),
    });

    // The API pages back through the same history.
    const token = signedToken(7);
    const last = await api<{ roomId: string; chat: Said[] }>(server.url, 'GET', '/api/rooms/6/chat?limit=20', {
      token,
    });
    expect(last.status).toBe(200);
    expect(last.body.roomId).toBe('6');
    expect(last.body.chat).toEqual(seen.chat.slice(30));
    const earlier = await api<{ chat: Said[] }>(
      server.url,
      'GET',
      `/api/rooms/6/chat?before=${last.body.chat[0].seq}&limit=100`,
      {
        token,
      },
    );
    expect(earlier.body.chat.map((l) => l.text)).toEqual(Array.from({ length: 35 }, (_, i) => `line ${i + 1}`));
    const plain = await api<{ chat: Said[] }>(server.url, 'GET', '/api/rooms/6/chat', { token });
    expect(plain.body.chat).toEqual(seen.chat);
    const none = await api<{ chat: Said[] }>(server.url, 'GET', `/api/rooms/6/chat?before=${w.seq + 1}`, { token });
    expect(none.body.chat).toEqual([]);
    await Promise.all([talker.close(), again.close(), newcomer.close()]);
  });

  it('the chat API answers problems for bad parameters, unknown rooms and missing tokens', async () => {
    const token = signedToken(7);
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['before=0', 'before'],
      ['before=x', 'before'],
      ['before=1.5', 'before'],
    ]) {
      expectProblem(await api(server.url, 'GET', `/api/rooms/6/chat?${query}`, { token }), 400, field);
    }
    expectProblem(await api(server.url, 'GET', '/api/rooms/nope/chat', { token }), 404);
    expectProblem(await api(server.url, 'GET', '/api/rooms/6/chat'), 401);
  });

  it('the history outlives a restart of the server and the loss of the room in Redis', async () => {
    const [dave, w] = await joinAs(server, 8, 8);
    expect(await say(dave, 'remember me')).toMatchObject({ type: 'said', seq: w.seq + 1 });
    expect(await say(dave, 'and me')).toMatchObject({ type: 'said', seq: w.seq + 2 });
    const lastKept = w.seq + 2;
    await dave.close();

    await server.close();
    server = await startTestServer(OVERRIDES, env);
    const [erin, afterRestart] = (await joinAs(server, 9, 8)) as [TestClient, ChatWelcome];
    expect(afterRestart.chat.map((l) => l.text)).toEqual(['remember me', 'and me']);
    await erin.close();

    await deleteKeys(`${env.keyPrefix}room:{8}:`);
    const [frank, afterWipe] = (await joinAs(server, 10, 8)) as [TestClient, ChatWelcome];
    // The room's live state really was gone (frank is alone in it), and its seq began again above
    // every seq of its durable history, not from 0: the new lines must come after the old ones.
    expect(afterWipe.members.map((m) => m.userId)).toEqual(['10']);
    expect(afterWipe.seq).toBeGreaterThan(lastKept);
    expect(afterWipe.chat.map((l) => l.text)).toEqual(['remember me', 'and me']);
    expect(await say(frank, 'after the wipe')).toMatchObject({ type: 'said', seq: afterWipe.seq + 1 });
    const read = async (query: string) =>
      (await api<{ chat: Said[] }>(server.url, 'GET', `/api/rooms/8/chat${query}`, { token: signedToken(10) })).body
        .chat;
    expect((await read('')).map((l) => l.text)).toEqual(['remember me', 'and me', 'after the wipe']);
    const newest = await read('?limit=1');
    expect(newest.map((l) => l.text)).toEqual(['after the wipe']);
    expect((await read(`?limit=5&before=${newest[0].seq}`)).map((l) => l.text)).toEqual(['remember me', 'and me']);
    const [gina, seen] = (await joinAs(server, 11, 8)) as [TestClient, ChatWelcome];
    expect(seen.chat.map((l) => l.text)).toEqual(['remember me', 'and me', 'after the wipe']);
    await Promise.all([frank.close(), gina.close()]);
  });

  it("after the loss of a room in Redis, a notice as its first event takes a seq above the room's history", async () => {
    const [hal] = await joinAs(server, 12, 3);
    const line = (await say(hal, 'before the loss')) as Said;
    await hal.close();
    await deleteKeys(`${env.keyPrefix}room:{3}:`);
    const notice = await api<{ seq: number }>(server.url, 'POST', '/api/rooms/3/notices', {
      token: adminToken('ops'),
      body: { text: 'after the loss' },
    });
    expect(notice.status).toBe(202);
    expect(notice.body.seq).toBeGreaterThan(line.seq);
    const [ivy, seen] = (await joinAs(server, 13, 3)) as [TestClient, ChatWelcome];
    expect(seen.members.map((m) => m.userId)).toEqual(['13']);
    expect(seen.seq).toBe(notice.body.seq + 1); // ivy's `entered`
    expect(await say(ivy, 'and after the notice')).toMatchObject({ seq: seen.seq + 1 });
    expect(seen.chat.map((l) => l.text)).toEqual(['before the loss']);
    await ivy.close();
  });
});

describe('chat in embedded mode', () => {
  it('keeps its history in the SQLite file across a restart', async () => {
    const env = await createTestEnv('embedded');
    let server = await startTestServer({}, env);
    try {
      const [ann, w] = await joinAs(server, 1, 1);
      expect(await say(ann, ' kept on disk ', 'k')).toMatchObject({
        type: 'said',
        id: 'k',
        seq: w.seq + 1,
        text: 'kept on disk',
      });
      await ann.close();
      await server.close();
      server = await startTestServer({}, env);
      const [ben, seen] = (await joinAs(server, 2, 1)) as [TestClient, ChatWelcome];
      expect(seen.chat).toEqual([
        expect.objectContaining({ type: 'said', roomId: '1', userId: '1', text: 'kept on disk' }),
      ]);
      // A new process is a new epoch, whose seqs follow the history's: a new line comes after the old.
      expect(seen.seq).toBeGreaterThan(w.seq + 1);
      expect(await say(ben, 'said after the restart')).toMatchObject({ type: 'said', seq: seen.seq + 1 });
      await ben.close();
      const [cat, again] = (await joinAs(server, 3, 1)) as [TestClient, ChatWelcome];
      expect(again.chat.map((l) => l.text)).toEqual(['kept on disk', 'said after the restart']);
      await cat.close();
    } finally {
      await server.close();
      await env.dropAll();
    }
  });
});

describe('chat across two instances', () => {
  let pair: ServerPair;
  beforeAll(async () => {
    pair = await startServerPair();
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('a line said on one instance reaches the room on both, in seq order, and both welcomes show it', async () => {
    const [onA, w] = await joinAs(pair.a, 1, 1);
    const [onB] = await joinAs(pair.b, 2, 1);
    // Each instance has heard the other before the test relies on it (its room subscription is live).
    await onA.next((f) => f.type === 'entered' && f.seq === w.seq + 1);
    const first = w.seq + 2;
    expect(await say(onA, 'from a', 'a1')).toMatchObject({ type: 'said', id: 'a1', seq: first, userId: '1' });
    const heardOnB = await heard(onB, first);
    expect(heardOnB).toMatchObject({ text: 'from a', userId: '1', name: 'user1' });
    expect(heardOnB.id).toBeUndefined();
    expect(await say(onB, 'from b', 'b1')).toMatchObject({ type: 'said', id: 'b1', seq: first + 1, userId: '2' });
    expect(await heard(onA, first + 1)).toMatchObject({ text: 'from b' });
    for (const server of [pair.a, pair.b]) {
      const [late, seen] = (await joinAs(server, 3, 1, { as: 'spectator' })) as [TestClient, ChatWelcome];
      expect(seen.chat.map((l) => [l.seq, l.text])).toEqual([
        [first, 'from a'],
        [first + 1, 'from b'],
      ]);
      await late.close();
    }
    await Promise.all([onA.close(), onB.close()]);
  });

  it('the chat limit counts a user across instances: lines said through one count on the other', async () => {
    // The default limit: 5 lines per 10 s. User 7 talks in room 2 through a and room 3 through b.
    const [viaA] = await joinAs(pair.a, 7, 2);
    const [viaB] = await joinAs(pair.b, 7, 3);
    for (const [i, client] of [viaA, viaB, viaA, viaB, viaA].entries())
      expect(await say(client, `line ${i}`)).toMatchObject({ type: 'said', text: `line ${i}` });
    for (const client of [viaB, viaA]) {
      const refused = await say(client, 'one too many');
      expect(refused).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(10_000);
    }
    await Promise.all([viaA.close(), viaB.close()]);
  });
});
