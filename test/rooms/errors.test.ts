import type { TestClient } from '../support/client';
import { describeEachMode } from '../support/modes';
import {
  build,
  buildOk,
  connectAs,
  enter,
  joinAs,
  peek,
  roomState,
  step,
  wall,
  walk,
  type Welcome,
} from '../support/room';
import type { TestServer } from '../support/server';

/**
 * Every error code the core server produces, and that an error changes nothing: the room looks the
 * same to a newcomer afterwards (same seq, map and positions).
 * The map is 6 × 5 here so that every edge is a few steps away.
 */
describeEachMode('request errors', (mode) => {
  const W = 6;
  const H = 5;
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start({ MAP_WIDTH: String(W), MAP_HEIGHT: String(H) });
  });
  afterAll(async () => {
    await server.close();
  });

  /** Runs `act`, then checks that room `roomId` is exactly as it was before. */
  async function unchanged(roomId: string, act: () => Promise<void>): Promise<void> {
    const before = await peek(server, roomId);
    await act();
    expect(roomState(await peek(server, roomId))).toEqual(roomState(before));
  }

  describe('BAD_REQUEST', () => {
    let client: TestClient;
    beforeAll(async () => {
      [client] = await joinAs(server, 2, 2);
    });
    afterAll(async () => {
      await client.close();
    });

    it('a frame that is not JSON', async () => {
      await unchanged('2', async () => {
        client.send('{"type":"move","dir":"right"');
        const err = await client.next((f) => f.type === 'error' && /JSON/.test(f.message as string));
        expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      });
    });

    it('JSON that is not an object', async () => {
      client.send('[1,2,3]');
      const err = await client.next((f) => f.type === 'error' && /object/.test(f.message as string));
      expect(err.code).toBe('BAD_REQUEST');
    });

    it('a binary frame', async () => {
      client.ws.send(Buffer.from(JSON.stringify({ type: 'move', dir: 'right' })), { binary: true });
      const err = await client.next((f) => f.type === 'error' && /binary/.test(f.message as string));
      expect(err.code).toBe('BAD_REQUEST');
    });

    it('an unknown type: the message names `type`, the id is echoed', async () => {
      const err = await client.request({ type: 'dance', id: 'req-unknown' });
      expect(err).toMatchObject({ type: 'error', code: 'BAD_REQUEST', id: 'req-unknown' });
      expect(err.message).toMatch(/type/);
    });

    it('a missing type', async () => {
      const err = await client.request({ id: 'req-no-type', dir: 'up' });
      expect(err).toMatchObject({ type: 'error', code: 'BAD_REQUEST', id: 'req-no-type' });
      expect(err.message).toMatch(/type/);
    });

    it('an id that is not a string of at most 64 characters: the message names `id`', async () => {
      client.send({ type: 'move', dir: 'right', id: 42 });
      const err = await client.next((f) => f.type === 'error' && /^id/.test(f.message as string));
      expect(err.code).toBe('BAD_REQUEST');
      client.send({ type: 'move', dir: 'right', id: 'x'.repeat(65) });
      await client.next((f) => f.type === 'error' && f !== err && /^id/.test(f.message as string));
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['enter without roomId', { type: 'enter' }, /roomId/],
      ['enter with a numeric roomId', { type: 'enter', roomId: 2 }, /roomId/],
      ['enter as an unknown role', { type: 'enter', roomId: '2', as: 'ghost' }, /\bas\b/],
      ['enter with a non-numeric resume seq', { type: 'enter', roomId: '2', resume: { seq: 'x' } }, /resume\.seq/],
      ['move without dir', { type: 'move' }, /dir/],
      ['move in an unknown direction', { type: 'move', dir: 'north' }, /dir/],
      ['build without baseVersion', { type: 'build', ops: [{ op: 'place', kind: 'wall', x: 1, y: 1 }] }, /baseVersion/],
      [
        'build with a string baseVersion',
        { type: 'build', baseVersion: '0', ops: [{ op: 'place', kind: 'wall', x: 1, y: 1 }] },
        /baseVersion/,
      ],
      ['build without ops', { type: 'build', baseVersion: 0 }, /ops/],
      ['build with no ops at all', { type: 'build', baseVersion: 0, ops: [] }, /ops/],
      ['build with an unknown op', { type: 'build', baseVersion: 0, ops: [{ op: 'paint', x: 1, y: 1 }] }, /ops\.0\.op/],
      [
        'build placing at a fractional x',
        { type: 'build', baseVersion: 0, ops: [{ op: 'place', kind: 'wall', x: 1.5, y: 1 }] },
        /ops\.0\.x/,
      ],
      [
        'build placing without y',
        { type: 'build', baseVersion: 0, ops: [wall(1, 1), { op: 'place', kind: 'wall', x: 2 }] },
        /ops\.1\.y/,
      ],
      [
        'build removing without objectId',
        { type: 'build', baseVersion: 0, ops: [{ op: 'remove' }] },
        /ops\.0\.objectId/,
      ],
    ])('%s: the message names the field, the id is echoed, nothing changes', async (_what, msg, field) => {
      await unchanged('2', async () => {
        const err = await client.request(msg);
        expect(err).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
        expect(err.message).toMatch(field);
      });
    });

    it('the socket stays usable after bad requests', async () => {
      const moved = await step(client, 'right');
      expect(moved).toMatchObject({ type: 'moved', userId: '2', x: 1, y: 0 });
      await step(client, 'left');
    });
  });

  describe('NOT_IN_ROOM', () => {
    it('move, build and leave before enter', async () => {
      const client = await connectAs(server, 3);
      for (const msg of [
        { type: 'move', dir: 'down' },
        { type: 'build', baseVersion: 0, ops: [wall(1, 1)] },
        { type: 'leave' },
      ]) {
        expect(await client.request(msg)).toMatchObject({ type: 'error', code: 'NOT_IN_ROOM' });
      }
      await client.close();
    });

    it('move after leave', async () => {
      const [client] = await joinAs(server, 3, 3);
      expect((await client.request({ type: 'leave' })).type).toBe('ack');
      expect(await step(client, 'down')).toMatchObject({ type: 'error', code: 'NOT_IN_ROOM' });
      await client.close();
    });
  });

  describe('ROOM_NOT_FOUND', () => {
    it('entering a room nobody owns', async () => {
      const client = await connectAs(server, 4);
      expect(await client.request({ type: 'enter', roomId: 'no-such-room' })).toMatchObject({
        type: 'error',
        code: 'ROOM_NOT_FOUND',
      });
      await client.close();
    });

    it('a player who asks for a missing room stays where they were', async () => {
      const [client] = await joinAs(server, 4, 4);
      await step(client, 'down');
      await unchanged('4', async () => {
        expect(await client.request({ type: 'enter', roomId: 'no-such-room' })).toMatchObject({
          type: 'error',
          code: 'ROOM_NOT_FOUND',
        });
      });
      expect(await step(client, 'down')).toMatchObject({ type: 'moved', x: 0, y: 2 });
      await client.close();
    });
  });

  describe('FORBIDDEN', () => {
    it("a visitor cannot build in someone else's room", async () => {
      const [owner] = await joinAs(server, 5, 5);
      const [visitor] = await joinAs(server, 6, 5);
      await unchanged('5', async () => {
        expect(await build(visitor, 0, [wall(2, 2)])).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
      });
      await owner.close();
      await visitor.close();
    });

    it('a spectator cannot move', async () => {
      const [player] = await joinAs(server, 6, 6);
      const [spectator] = await joinAs(server, 7, 6, { as: 'spectator' });
      await unchanged('6', async () => {
        expect(await step(spectator, 'right')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
      });
      await player.close();
      await spectator.close();
    });
  });

  describe('BLOCKED', () => {
    let client: TestClient;
    let owner: TestClient;
    beforeAll(async () => {
      [owner] = await joinAs(server, 7, 7);
      [client] = await joinAs(server, 8, 7);
    });
    afterAll(async () => {
      await owner.close();
      await client.close();
    });

    it('stepping off the map on each of its four sides; the error carries where the avatar still is', async () => {
      await unchanged('7', async () => {
        expect(await step(client, 'up')).toMatchObject({ type: 'error', code: 'BLOCKED', x: 0, y: 0 });
        expect(await step(client, 'left')).toMatchObject({ type: 'error', code: 'BLOCKED', x: 0, y: 0 });
      });
      await walk(client, [...Array(W - 1).fill('right'), ...Array(H - 1).fill('down')]);
      await unchanged('7', async () => {
        expect(await step(client, 'right')).toMatchObject({ type: 'error', code: 'BLOCKED', x: W - 1, y: H - 1 });
        expect(await step(client, 'down')).toMatchObject({ type: 'error', code: 'BLOCKED', x: W - 1, y: H - 1 });
      });
    });

    it('stepping into a wall', async () => {
      // The visitor stands at the bottom-right corner; the owner walls it in from the left and top.
      await buildOk(owner, 0, [wall(W - 2, H - 1), wall(W - 1, H - 2)]);
      await unchanged('7', async () => {
        expect(await step(client, 'left')).toMatchObject({ type: 'error', code: 'BLOCKED', x: W - 1, y: H - 1 });
        expect(await step(client, 'up')).toMatchObject({ type: 'error', code: 'BLOCKED', x: W - 1, y: H - 1 });
      });
    });
  });

  describe('CONFLICT', () => {
    it('a build on a stale version carries the current version and changes nothing', async () => {
      const [owner] = await joinAs(server, 9, 9);
      await buildOk(owner, 0, [wall(3, 3)]);
      await unchanged('9', async () => {
        expect(await build(owner, 0, [wall(4, 4)])).toMatchObject({ type: 'error', code: 'CONFLICT', version: 1 });
        expect(await build(owner, 7, [wall(4, 4)])).toMatchObject({ type: 'error', code: 'CONFLICT', version: 1 });
      });
      await buildOk(owner, 1, [wall(4, 4)]);
      await owner.close();
    });
  });

  describe('INVALID_BUILD (user 10 owns games 10, 11 and 12)', () => {
    let owner: TestClient;
    let welcome: Welcome;
    beforeAll(async () => {
      [owner, welcome] = await joinAs(server, 10, 10);
      // A wall at (3,1) and a game at (3,2)-(4,3): something to overlap and to remove.
      await buildOk(owner, welcome.map.version, [wall(3, 1), { op: 'place', kind: 'game', x: 3, y: 2, gameId: 10 }]);
    });
    afterAll(async () => {
      await owner.close();
    });

    it.each<[string, Record<string, unknown>[]]>([
      ['a wall outside the map', [wall(W, 0)]],
      ['a wall below the map', [wall(0, H)]],
      ['a game sticking out of the map', [{ op: 'place', kind: 'game', x: W - 1, y: 0, gameId: 11 }]],
      ['a wall on a wall', [wall(3, 1)]],
      ["a wall on a game's cell", [wall(4, 3)]],
      ['a game over a wall', [{ op: 'place', kind: 'game', x: 2, y: 0, gameId: 11 }]],
      ['two objects of one batch on each other', [wall(0, 4), { op: 'place', kind: 'game', x: 0, y: 3, gameId: 11 }]],
      ['removing an unknown object', [{ op: 'remove', objectId: 'o-nope' }]],
      ["a game that is not in the owner's library", [{ op: 'place', kind: 'game', x: 0, y: 3, gameId: 13 }]],
      ['a game without a gameId', [{ op: 'place', kind: 'game', x: 0, y: 3 }]],
      ['an unknown kind', [{ op: 'place', kind: 'sofa', x: 1, y: 1 }]],
      ['a kind named like an object property', [{ op: 'place', kind: 'constructor', x: 1, y: 1 }]],
      ['good ops followed by a bad one', [wall(0, 4), wall(1, 4), { op: 'remove', objectId: 'o-nope' }]],
      [
        'walls on every cell (no free cell would be left)',
        Array.from({ length: W * H }, (_, i) => wall(i % W, Math.floor(i / W))),
      ],
    ])('%s: INVALID_BUILD, and the map keeps its version and objects', async (_what, ops) => {
      const before = await peek(server, '10');
      await unchanged('10', async () => {
        const err = await owner.request({ type: 'build', baseVersion: before.map.version, ops });
        expect(err).toMatchObject({ type: 'error', code: 'INVALID_BUILD' });
        expect(typeof err.message).toBe('string');
      });
    });

    it('after all those refusals a valid build on the same version still applies', async () => {
      const before = await peek(server, '10');
      const built = await buildOk(owner, before.map.version, [{ op: 'place', kind: 'game', x: 0, y: 3, gameId: 12 }]);
      expect(built.map.version).toBe(before.map.version + 1);
      expect(built.map.objects).toHaveLength(3);
    });
  });

  describe('enter with a request id', () => {
    it('the welcome echoes it', async () => {
      const client = await connectAs(server, 3);
      const welcome = await enter(client, 3, { id: 'my-enter' });
      expect(welcome.id).toBe('my-enter');
      await client.close();
    });
  });
});
