import { TestClient, type Frame } from '../support/client';
import { describeEachMode } from '../support/modes';
import type { TestServer } from '../support/server';

/**
 * The behaviours where the two modes' adapters do the most work (replacement, leaving on
 * disconnect, resume from the room log, version conflicts, spectators, seq under concurrency),
 * one suite run in both modes.
 */
describeEachMode('both modes behave the same', ({ mode, start }) => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const connect = async (userId: number) => {
    const c = await TestClient.connect(server.wsUrl, server.token(userId));
    clients.push(c);
    return c;
  };
  const isType =
    (type: string, extra: (f: Frame) => boolean = () => true) =>
    (f: Frame) =>
      f.type === type && extra(f);

  beforeAll(async () => {
    server = await start({ ROOM_LOG_LENGTH: '10' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await server.close();
  });

  it(`is ready (${mode})`, async () => {
    const res = await fetch(`${server.url}/health/ready`);
    expect(res.status).toBe(200);
  });

  it('entering the same room from a second socket replaces the first, without churn for the others', async () => {
    const watcher = await connect(4);
    await watcher.request({ type: 'enter', roomId: '4' });
    const first = await connect(5);
    await first.request({ type: 'enter', roomId: '4' });
    await first.request({ type: 'move', dir: 'right' });
    await watcher.next(isType('moved'));
    watcher.clear();

    const second = await connect(5);
    const welcome = await second.request({ type: 'enter', roomId: '4' });
    expect((welcome.members as { userId: string; x: number }[]).filter((m) => m.userId === '5')).toEqual([
      expect.objectContaining({ userId: '5', x: 1, y: 0 }),
    ]);
    expect(await first.next(isType('replaced'))).toMatchObject({ type: 'replaced' });
    expect((await first.closed).code).toBe(4001);

    // The new socket owns the avatar: its moves reach the watcher; nobody saw a left or entered.
    const moved = await second.request({ type: 'move', dir: 'down' });
    expect(moved).toMatchObject({ type: 'moved', userId: '5', x: 1, y: 1 });
    await watcher.next(isType('moved', (f) => f.seq === moved.seq));
    expect(watcher.ofType('left')).toEqual([]);
    expect(watcher.ofType('entered')).toEqual([]);
  });

  it('a closed socket leaves the room with reason `disconnect`', async () => {
    const owner = await connect(6);
    await owner.request({ type: 'enter', roomId: '6' });
    const visitor = await connect(7);
    await visitor.request({ type: 'enter', roomId: '6' });
    await visitor.close();
    expect(await owner.next(isType('left'))).toMatchObject({ roomId: '6', userId: '7', reason: 'disconnect' });
  });

  it('resume replays what was missed from the room log, or says it cannot', async () => {
    const owner = await connect(8);
    await owner.request({ type: 'enter', roomId: '8' });
    const visitor = await connect(9);
    const w = await visitor.request({ type: 'enter', roomId: '8' });
    const since = w.seq as number;
    await visitor.request({ type: 'leave' });
    for (const dir of ['right', 'down', 'left'] as const) await owner.request({ type: 'move', dir });

    // left + 3 moves happened since `since`; the re-enter itself is seq since + 5.
    const back = await visitor.request({ type: 'enter', roomId: '8', resume: { seq: since } });
    expect(back).toMatchObject({ type: 'welcome', resumed: true, seq: since + 5 });
    const replayed = await visitor.next(isType('entered', (f) => f.seq === since + 5));
    const types = visitor.frames.filter(
      (f) => typeof f.seq === 'number' && (f.seq as number) > since && f.type !== 'welcome',
    );
    expect(types.map((f) => [f.seq, f.type])).toEqual([
      [since + 1, 'left'],
      [since + 2, 'moved'],
      [since + 3, 'moved'],
      [since + 4, 'moved'],
      [since + 5, 'entered'],
    ]);
    expect(replayed).toBeDefined();

    // ROOM_LOG_LENGTH is 10: after a dozen more events, the start of the room is out of reach.
    for (let i = 0; i < 12; i++) await owner.request({ type: 'move', dir: i % 2 ? 'left' : 'right' });
    await visitor.request({ type: 'leave' });
    const tooOld = await visitor.request({ type: 'enter', roomId: '8', resume: { seq: 1 } });
    expect(tooOld).toMatchObject({ type: 'welcome', resumed: false });
  });

  it('a build on a stale version is a CONFLICT carrying the current version', async () => {
    const owner = await connect(3);
    const w = await owner.request({ type: 'enter', roomId: '3' });
    const version = (w.map as { version: number }).version;
    const place = (x: number, baseVersion: number) =>
      owner.request({ type: 'build', baseVersion, ops: [{ op: 'place', kind: 'wall', x, y: 5 }] });
    expect(await place(5, version)).toMatchObject({ type: 'ack' });
    expect(await place(6, version)).toMatchObject({ type: 'error', code: 'CONFLICT', version: version + 1 });
  });

  it('a spectator is counted, listed nowhere, and may not move', async () => {
    const owner = await connect(2);
    await owner.request({ type: 'enter', roomId: '2' });
    const watcher = await connect(10);
    const w = await watcher.request({ type: 'enter', roomId: '2', as: 'spectator' });
    expect(w).toMatchObject({ you: { userId: '10', role: 'spectator' }, spectators: 1 });
    expect((w.members as { userId: string }[]).map((m) => m.userId)).toEqual(['2']);
    expect(await watcher.request({ type: 'move', dir: 'down' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    const moved = await owner.request({ type: 'move', dir: 'down' });
    expect(await watcher.next(isType('moved'))).toMatchObject({ seq: moved.seq, userId: '2' });
  });

  it('many enters at once get consecutive seqs, seen in order by everyone', async () => {
    const host = await connect(1);
    const hw = await host.request({ type: 'enter', roomId: '1' });
    const guests = await Promise.all([2, 3, 4, 5, 6, 7, 8, 9, 10].map(connect));
    const welcomes = await Promise.all(guests.map((g) => g.request({ type: 'enter', roomId: '1' })));
    const base = hw.seq as number;
    expect(welcomes.map((w) => w.seq as number).sort((a, b) => a - b)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => base + i),
    );
    await host.next(isType('entered', (f) => f.seq === base + 9));
    expect(host.ofType('entered').map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => base + i));
  });
});
