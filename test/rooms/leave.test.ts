import { SessionRegistry } from '../../src/rooms/session-registry';
import { ROOM_STATE, type RoomStateStore } from '../../src/state/room-state.port';
import { describeEachMode } from '../support/modes';
import { connectAs, enter, eventually, joinAs, memberOf, peek, sleep, step, walkTo } from '../support/room';
import type { TestServer } from '../support/server';

describeEachMode('leaving', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start();
  });
  afterAll(async () => {
    await server.close();
  });

  it('leave: an ack, everybody else sees `left` (reason leave); the socket may enter again', async () => {
    const [owner, w] = await joinAs(server, 1, 1);
    const [visitor] = await joinAs(server, 2, 1);
    await walkTo(visitor, 2, 0);
    const ack = await visitor.request({ type: 'leave', id: 'bye' });
    expect(ack).toEqual({ type: 'ack', id: 'bye' });
    const left = await owner.next((f) => f.type === 'left');
    expect(left).toEqual({ type: 'left', roomId: '1', seq: w.seq + 4, userId: '2', reason: 'leave' });
    expect(visitor.ofType('left')).toEqual([]);
    expect(memberOf((await peek(server, 1)).members, 2)).toBeUndefined();

    // Back in, on the spawn cell again.
    const again = await enter(visitor, 1);
    expect(again.seq).toBe((left.seq as number) + 1);
    expect(memberOf(again.members, 2)).toMatchObject({ x: 0, y: 0 });
    expect(await owner.next((f) => f.type === 'entered' && f.seq === again.seq)).toMatchObject({
      member: { userId: '2' },
    });
    await owner.close();
    await visitor.close();
  });

  it('entering another room leaves the first one (one socket, one room)', async () => {
    const [owner] = await joinAs(server, 3, 3);
    const [visitor] = await joinAs(server, 4, 3);
    const other = await enter(visitor, 4);
    expect(other.roomId).toBe('4');
    expect(await owner.next((f) => f.type === 'left')).toMatchObject({ userId: '4', reason: 'leave' });
    expect((await peek(server, 3)).members.map((m) => m.userId)).toEqual(['3']);
    // Events of the old room no longer reach the socket.
    const moved = await step(owner, 'down');
    expect((await step(visitor, 'down')).roomId).toBe('4');
    expect(visitor.events().some((e) => e.roomId === '3' && (e.seq as number) >= (moved.seq as number))).toBe(false);
    await owner.close();
    await visitor.close();
  });

  it('closing the socket: `left` with reason disconnect', async () => {
    const [owner] = await joinAs(server, 5, 5);
    const [visitor] = await joinAs(server, 6, 5);
    await visitor.close();
    expect(await owner.next((f) => f.type === 'left')).toMatchObject({ userId: '6', reason: 'disconnect' });
    await owner.close();
  });

  it('a dropped connection (no close handshake): `left` with reason disconnect', async () => {
    const [owner] = await joinAs(server, 7, 7);
    const [visitor] = await joinAs(server, 8, 7);
    await visitor.kill();
    expect(await owner.next((f) => f.type === 'left')).toMatchObject({ userId: '8', reason: 'disconnect' });
    await owner.close();
  });

  it('a socket that closes while its enter is still being served leaves no avatar behind', async () => {
    const [owner, w] = await joinAs(server, 10, 10);
    // The socket goes away at different moments of its enter: before the server reads it, while
    // it waits for the room, while Redis seats it, and just after.
    const hasty = [];
    for (let i = 0; i < 24; i++) hasty.push(connectAs(server, `hasty${i}`));
    await Promise.all(
      (await Promise.all(hasty)).map(async (client, i) => {
        client.send({ type: 'enter', roomId: '10' });
        if (i % 8) await sleep(i % 8);
        await client.kill();
      }),
    );
    // Whatever got in is taken out again: only the owner stays, and every `entered` has its `left`.
    await eventually(
      async () => {
        expect((await peek(server, 10)).members.map((m) => m.userId)).toEqual(['10']);
      },
      10_000,
      100,
    );
    const marker = await step(owner, 'down');
    const events = owner
      .events()
      .filter((e) => (e.seq as number) > w.seq && (e.seq as number) < (marker.seq as number));
    const entered = events
      .filter((e) => e.type === 'entered')
      .map((e) => (e.member as { userId: string }).userId)
      .sort();
    const left = events
      .filter((e) => e.type === 'left')
      .map((e) => e.userId)
      .sort();
    expect(left).toEqual(entered);
    await owner.close();
  });

  it('a socket that closes just while it is being seated leaves no avatar behind', async () => {
    // Forces the interleaving: the socket closes, and the server handles that close, after the
    // enter checked the socket but before the room state seats it.
    const [owner, w] = await joinAs(server, 10, 10);
    const state = server.app.get<RoomStateStore>(ROOM_STATE);
    const sessions = server.app.get(SessionRegistry);
    const late = await connectAs(server, 'late');
    const enterState = state.enter;
    state.enter = async (roomId, params) => {
      state.enter = enterState;
      const before = sessions.sessionCount;
      await late.kill();
      await eventually(() => expect(sessions.sessionCount).toBe(before - 1));
      return enterState.call(state, roomId, params);
    };
    try {
      late.send({ type: 'enter', roomId: '10' });
      const left = await owner.next((f) => f.type === 'left' && f.userId === 'late');
      expect(left).toMatchObject({ reason: 'disconnect', seq: w.seq + 2 });
      expect((await peek(server, 10)).members.map((m) => m.userId)).toEqual(['10']);
    } finally {
      state.enter = enterState;
    }
    await owner.close();
  });
});

/** A client that answers pings by hand until it is in the room, then falls silent. */
async function enterThenFallSilent(server: TestServer, userId: number, roomId: number) {
  const silent = await connectAs(server, userId, { autoPong: false });
  const pong = () => silent.ws.pong();
  silent.ws.on('ping', pong);
  const welcome = await enter(silent, roomId);
  silent.ws.off('ping', pong);
  return { silent, welcome };
}

describeEachMode('liveness', (mode) => {
  let server: TestServer;
  // Pings every 100 ms, so a client that stops answering them times out quickly.
  beforeAll(async () => {
    server = await mode.start({ WS_PING_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('a client that stops answering pings leaves with reason timeout, and its socket is closed', async () => {
    // It answers pings by hand until it is in the room, then falls silent. Nobody else has to stay
    // connected meanwhile (a busy test machine could make them miss a 100 ms ping too): the
    // reason is read back from the room log by resuming.
    const { silent, welcome } = await enterThenFallSilent(server, 2, 1);
    await silent.closed;
    await eventually(async () => expect(memberOf((await peek(server, 1)).members, 2)).toBeUndefined());

    const back = await connectAs(server, 2);
    const again = await enter(back, 1, { resume: { seq: welcome.seq } });
    expect(again.resumed).toBe(true);
    expect(await back.next((f) => f.seq === welcome.seq + 1)).toMatchObject({
      type: 'left',
      userId: '2',
      reason: 'timeout',
    });
    await back.close();
  });
});

describeEachMode('liveness, pings spread over the interval', (mode) => {
  let server: TestServer;
  // 1.5 s between a socket's pings, dealt over 15 slices of 100 ms (src/rooms/edge/heartbeat.ts).
  beforeAll(async () => {
    server = await mode.start({ WS_PING_INTERVAL_MS: '1500' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('every socket is pinged and kept while it answers; a silent one still times out', async () => {
    const live = await Promise.all([1, 2, 3, 4, 5, 6].map((u) => joinAs(server, 30 + u, 31).then(([c]) => c)));
    const pings = live.map(() => 0);
    live.forEach((c, i) => c.ws.on('ping', () => pings[i]++));
    const { silent, welcome } = await enterThenFallSilent(server, 40, 31);
    await silent.closed;
    expect(await live[0].next((f) => f.type === 'left' && f.seq === welcome.seq + 1)).toMatchObject({
      userId: '40',
      reason: 'timeout',
    });
    // Each answering socket was pinged in its own slice, and none was taken for silent.
    await eventually(() => expect(pings.every((n) => n >= 1)).toBe(true));
    expect(live.filter((c) => c.ws.readyState !== c.ws.OPEN)).toEqual([]);
    for (const c of live) await c.close();
  });
});
