import { createHmac } from 'node:crypto';
import { HandshakeRefused, TestClient } from '../support/client';
import { DEMO_GAME_NAMES } from '../../src/maps/seed';
import { LegacyClient } from '../support/legacy-client';
import { describeEachMode } from '../support/modes';
import { buildOk, eventually, joinAs, peek, sleep, step, wall } from '../support/room';
import { TEST_JWT_SECRET, type TestServer } from '../support/server';

/** A token with the original server's claim names (`idx`, `nickname`), signed as ours are. */
function originalToken(idx: number, nickname: string): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ idx, nickname, exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${input}.${createHmac('sha256', TEST_JWT_SECRET).update(input).digest('base64url')}`;
}

describeEachMode('the original clients at /library', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start();
  });
  afterAll(async () => {
    await server.close();
  });

  it('a legacy client enters with its token in the first frame and gets the room as an 11 SYNC; v1 clients see it enter', async () => {
    const [v1] = await joinAs(server, 2, 3);
    const [legacy, room] = await LegacyClient.enter(server.wsUrl, 3, originalToken(4, 'Kim'));
    expect(room).toMatchObject({
      roomId: '3',
      userCount: 2,
      users: { '2': { nickname: 'user2' }, '4': { nickname: 'Kim' } },
    });
    expect(room.map).toMatchObject({ side: 20, gameList: [], objectList: [], games: {}, objects: {} });
    expect(await v1.next((f) => f.type === 'entered')).toMatchObject({ member: { userId: '4', name: 'Kim' } });
    await legacy.close();
    await v1.close();
  });

  it('moves go both ways: 20 to everyone with direction and position, the mover included', async () => {
    const [v1, welcome] = await joinAs(server, 2, 4);
    const [legacy] = await LegacyClient.enter(server.wsUrl, 4, server.token(5, 'Lee'));
    expect(await legacy.move(2, '5')).toEqual({ code: '20', payload: { user_id: '5', direction: 2, x: 0, y: 1 } });
    expect(await v1.next((f) => f.type === 'moved' && f.userId === '5')).toMatchObject({
      dir: 'down',
      x: 0,
      y: 1,
      seq: welcome.seq + 2,
    });
    await step(v1, 'right');
    expect(await legacy.next((f) => f.code === '20' && f.payload.user_id === '2')).toEqual({
      code: '20',
      payload: { user_id: '2', direction: 1, x: 1, y: 0 },
    });
    // A step off the map: 99, and the socket stays usable.
    expect(await legacy.move(3, '5')).toEqual({ code: '99', payload: { message: 'BLOCKED: that step is blocked' } });
    expect((await legacy.move(1, '5')).payload).toMatchObject({ x: 1, y: 1 });
    await legacy.close();
    await v1.close();
  });

  it('a v1 client entering is a 10, leaving a 19; a legacy 19 leaves and closes normally', async () => {
    const [legacy] = await LegacyClient.enter(server.wsUrl, 5, server.token(5));
    const [v1] = await joinAs(server, 6, 5, {});
    expect((await legacy.next((f) => f.code === '10')).payload).toEqual({ user_id: '6', nickname: 'user6' });
    await v1.close();
    expect((await legacy.next((f) => f.code === '19')).payload).toEqual({ user_id: '6' });

    const [watcher] = await joinAs(server, 7, 5);
    legacy.send('19');
    expect((await legacy.closed).code).toBe(1000);
    expect(await watcher.next((f) => f.type === 'left')).toMatchObject({ userId: '5', reason: 'leave' });
    await watcher.close();
  });

  it('the owner builds with a whole desired map: one build, SYNC to everyone, v1 sees built', async () => {
    const [owner, room] = await LegacyClient.enter(server.wsUrl, 6, server.token(6));
    const [v1] = await joinAs(server, 7, 6);
    const seen = owner.frames.length;
    // User 6 owns games 6, 7 and 8.
    const desired = {
      ...room.map,
      games: { '7': { name: 'x', x: 4, y: 4 } },
      objects: { mine: { name: 'wall', x: 2, y: 0 }, other: { name: 'wall', x: 3, y: 0 } },
    };
    owner.send('40', { map: desired });
    const synced = await owner.nextSync(seen);
    expect(synced.map.gameList).toEqual(['7']);
    expect(synced.map.games['7']).toEqual({ x: 4, y: 4, name: DEMO_GAME_NAMES[6] });
    expect(Object.values(synced.map.objects).sort((a, b) => a.x - b.x)).toEqual([
      { name: 'wall', x: 2, y: 0 },
      { name: 'wall', x: 3, y: 0 },
    ]);
    const built = await v1.next((f) => f.type === 'built');
    expect((built.map as { version: number; objects: unknown[] }).objects).toHaveLength(3);

    // Moving one wall: the others keep their ids; one build, version + 1.
    const [keep] = Object.keys(synced.map.objects).filter((id) => synced.map.objects[id].x === 2);
    const moved = { ...synced.map, objects: { [keep]: synced.map.objects[keep], n: { name: 'wall', x: 9, y: 9 } } };
    const before = owner.frames.length;
    owner.send('40', { map: moved });
    const after = await owner.nextSync(before);
    expect(Object.keys(after.map.objects)).toContain(keep);
    expect((await peek(server, 6)).map.version).toBe((built.map as { version: number }).version + 1);

    // All or nothing: an overlap or a game not in the owner's library changes nothing.
    const overlapping = { ...after.map, objects: { ...after.map.objects, bad: { name: 'wall', x: 4, y: 4 } } };
    owner.send('40', { map: overlapping });
    expect((await owner.next((f, i) => i >= before && f.code === '99')).payload.message).toMatch(
      /^INVALID_BUILD: .*overlap/,
    );
    owner.send('40', { map: { ...after.map, games: { ...after.map.games, '1': { x: 12, y: 12 } } } });
    expect((await owner.next((f) => f.code === '99' && /library/.test(f.payload.message as string))).code).toBe('99');
    expect((await peek(server, 6)).map.version).toBe((built.map as { version: number }).version + 1);
    await owner.close();
    await v1.close();
  });

  it("a v1 build reaches a legacy client as a SYNC; a visitor's 40 is refused", async () => {
    const [owner, welcome] = await joinAs(server, 8, 8);
    const [legacy] = await LegacyClient.enter(server.wsUrl, 8, server.token(9));
    const seen = legacy.frames.length;
    await buildOk(owner, welcome.map.version, [wall(5, 5)]);
    const synced = await legacy.nextSync(seen);
    expect(Object.values(synced.map.objects)).toEqual([{ name: 'wall', x: 5, y: 5 }]);
    legacy.send('40', { map: { ...synced.map, objects: {} } });
    expect((await legacy.next((f) => f.code === '99')).payload.message).toMatch(/^FORBIDDEN/);
    await legacy.close();
    await owner.close();
  });

  it('11 asks for the room again', async () => {
    const [legacy] = await LegacyClient.enter(server.wsUrl, 9, server.token(9));
    const [v1] = await joinAs(server, 10, 9);
    await step(v1, 'down');
    await legacy.next((f) => f.code === '20');
    const seen = legacy.frames.length;
    legacy.send('11');
    const room = await legacy.nextSync(seen);
    expect(room.users['10']).toEqual({ nickname: 'user10', x: 0, y: 1 });
    await legacy.close();
    await v1.close();
  });

  it('bad frames get 99 and the socket stays open', async () => {
    const [legacy] = await LegacyClient.enter(server.wsUrl, 10, server.token(10));
    const cases: [string, RegExp][] = [
      ['55{}', /^BAD_REQUEST: unknown code 55/],
      ['20{"direction":', /^BAD_REQUEST: 20: the payload is not valid JSON/],
      ['20{"direction":7}', /^BAD_REQUEST: direction/],
      ['hello', /^BAD_REQUEST: a frame starts with a 2-digit code/],
      ['40{"map":{"side":10}}', /^BAD_REQUEST: map.side/],
      ['10{"room_id":"10","authorization":"nope"}', /^BAD_REQUEST: token/],
    ];
    for (const [text, message] of cases) {
      const seen = legacy.frames.length;
      legacy.sendRaw(text);
      const reply = await legacy.next((f, i) => i >= seen);
      expect({ text, ...reply }).toEqual({ text, code: '99', payload: { message: expect.stringMatching(message) } });
    }
    const seen = legacy.frames.length;
    legacy.send('11');
    expect((await legacy.nextSync(seen)).users['10']).toBeDefined();
    await legacy.close();
  });

  it('the frame rate limit applies: a burst past it gets 99 RATE_LIMITED, the socket stays open; a flood closes it (1008)', async () => {
    const [legacy] = await LegacyClient.enter(server.wsUrl, 4, server.token(1));
    // 55 frames at once: 40 a second are served (RATE_LIMIT_PER_SEC), fewer than 20 refused (RATE_LIMIT_STRIKES).
    for (let i = 0; i < 55; i++) legacy.send('11');
    expect((await legacy.next((f) => f.code === '99')).payload.message).toMatch(/^RATE_LIMITED/);
    // Each frame of the burst is answered (an 11 or a 99) after the entrant's own 11.
    await eventually(() => expect(legacy.frames.length).toBe(56));
    await sleep(1100); // a fresh second of budget, not an assertion
    const seen = legacy.frames.length;
    legacy.send('11');
    expect((await legacy.nextSync(seen)).roomId).toBe('4');

    for (let i = 0; i < 200; i++) legacy.send('11');
    expect((await legacy.closed).code).toBe(1008);
  });

  it('a room that does not exist is a 99, and the client may enter another', async () => {
    const legacy = await LegacyClient.connect(server.wsUrl);
    legacy.send('10', { room_id: 'nosuchroom', authorization: server.token(3) });
    expect((await legacy.next((f) => f.code === '99')).payload.message).toMatch(/^ROOM_NOT_FOUND/);
    legacy.send('10', { room_id: '3', authorization: server.token(3) });
    expect((await legacy.nextSync()).roomId).toBe('3');
    await legacy.close();
  });

  it('the first frame must be a 10 with an accepted token, else 99 and 1008', async () => {
    const notEnter = await LegacyClient.connect(server.wsUrl);
    notEnter.send('20', { direction: 1 });
    expect((await notEnter.next((f) => f.code === '99')).payload.message).toMatch(/first frame must be 10/);
    expect((await notEnter.closed).code).toBe(1008);

    const badToken = await LegacyClient.connect(server.wsUrl);
    badToken.send('10', { room_id: '1', authorization: 'not-a-jwt' });
    expect((await badToken.next((f) => f.code === '99')).payload.message).toMatch(/^FORBIDDEN: authorization/);
    expect((await badToken.closed).code).toBe(1008);
  });

  it('a socket that sends nothing is closed (1008) after 5 s', async () => {
    const silent = await LegacyClient.connect(server.wsUrl);
    const closed = await silent.closed;
    expect(closed.code).toBe(1008);
    expect(silent.frames).toEqual([{ code: '99', payload: { message: expect.stringMatching(/within 5 s/) } }]);
  }, 20_000);

  it('the same user entering the same room elsewhere replaces the legacy socket: 98, then 1000', async () => {
    const [first] = await LegacyClient.enter(server.wsUrl, 2, server.token(3));
    const [v1] = await joinAs(server, 3, 2);
    expect((await first.next((f) => f.code === '98')).payload).toEqual({ message: expect.any(String) });
    expect((await first.closed).code).toBe(1000);
    await v1.close();
  });

  it('/library needs no token at the upgrade, /ws still does', async () => {
    await expect(TestClient.connect(server.wsUrl, undefined)).rejects.toThrow(HandshakeRefused);
    const legacy = await LegacyClient.connect(server.wsUrl);
    await legacy.close();
  });
});
