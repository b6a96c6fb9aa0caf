import type { Direction } from '../../src/protocol/messages';
import { describeEachMode } from '../support/modes';
import {
  build,
  buildOk,
  expectValidMap,
  joinAs,
  memberOf,
  peek,
  roomState,
  step,
  wall,
  walk,
  walkTo,
} from '../support/room';
import type { TestServer } from '../support/server';

const times = (n: number, dir: Direction): Direction[] => Array<Direction>(n).fill(dir);

describeEachMode('building', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start();
  });
  afterAll(async () => {
    await server.close();
  });

  it('the owner builds: an ack for the owner, one `built` for everybody with the next version and seq', async () => {
    const [owner, w] = await joinAs(server, 1, 1);
    const [visitor] = await joinAs(server, 2, 1);
    const reply = await build(owner, 0, [wall(4, 4), { op: 'place', kind: 'game', x: 6, y: 6, gameId: 2 }]);
    expect(reply).toEqual({ type: 'ack', id: reply.id });
    const seen = await visitor.next((f) => f.type === 'built');
    expect(seen).toMatchObject({ type: 'built', roomId: '1', seq: w.seq + 2 });
    expect(seen.map).toMatchObject({ version: 1, width: 20, height: 20 });
    const objects = (seen.map as { objects: unknown[] }).objects;
    expect(objects).toEqual(
      expect.arrayContaining([
        { id: expect.any(String), kind: 'wall', x: 4, y: 4, w: 1, h: 1 },
        { id: expect.any(String), kind: 'game', x: 6, y: 6, w: 2, h: 2, gameId: 2 },
      ]),
    );
    expect(objects).toHaveLength(2);
    // `built` carries every avatar's position, including the ones that did not move.
    expect(seen.members).toEqual(
      expect.arrayContaining([
        { userId: '1', name: 'user1', x: 0, y: 0, role: 'player' },
        { userId: '2', name: 'user2', x: 0, y: 0, role: 'player' },
      ]),
    );
    const ownersCopy = await owner.next((f) => f.type === 'built');
    expect(ownersCopy).toEqual(seen);
    expect(roomState(await peek(server, 1))).toEqual(
      roomState({ seq: seen.seq as number, map: seen.map as never, members: seen.members as never }),
    );
    await owner.close();
    await visitor.close();
  });

  it('versions go up by one per build; removing an object frees its cells', async () => {
    const [owner, w] = await joinAs(server, 3, 3);
    const v1 = await buildOk(owner, w.map.version, [wall(1, 0)]);
    expect(v1.map.version).toBe(w.map.version + 1);
    expect(await step(owner, 'right')).toMatchObject({ type: 'error', code: 'BLOCKED', x: 0, y: 0 });

    const wallId = v1.map.objects[0].id;
    const v2 = await buildOk(owner, v1.map.version, [{ op: 'remove', objectId: wallId }, wall(2, 0)]);
    expect(v2.map.version).toBe(v1.map.version + 1);
    expect(v2.seq).toBe(v1.seq + 1);
    expect(v2.map.objects).toEqual([expect.objectContaining({ kind: 'wall', x: 2, y: 0 })]);
    expect(await step(owner, 'right')).toMatchObject({ type: 'moved', x: 1, y: 0 });
    expect(await step(owner, 'right')).toMatchObject({ type: 'error', code: 'BLOCKED', x: 1, y: 0 });

    const v3 = await buildOk(owner, v2.map.version, [{ op: 'remove', objectId: v2.map.objects[0].id }]);
    expect(v3.map.objects).toEqual([]);
    expect(await step(owner, 'right')).toMatchObject({ type: 'moved', x: 2, y: 0 });
    await owner.close();
  });

  it("a removed object's id cannot be removed twice", async () => {
    const [owner, w] = await joinAs(server, 4, 4);
    const v1 = await buildOk(owner, w.map.version, [wall(9, 9)]);
    const id = v1.map.objects[0].id;
    await buildOk(owner, v1.map.version, [{ op: 'remove', objectId: id }]);
    expect(await build(owner, v1.map.version + 1, [{ op: 'remove', objectId: id }])).toMatchObject({
      code: 'INVALID_BUILD',
    });
    await owner.close();
  });

  describe('avatars on newly occupied cells are pushed to the nearest free cell', () => {
    it('owner builds a wall; the visitor standing there is pushed one step up (least distance, then smaller y)', async () => {
      const [owner] = await joinAs(server, 5, 5);
      const [visitor] = await joinAs(server, 6, 5);
      await walkTo(visitor, 5, 5);
      const built = await buildOk(owner, 0, [wall(5, 5)]);
      expect(memberOf(built.members, 6)).toMatchObject({ x: 5, y: 4 });
      expect(memberOf(built.members, 5)).toMatchObject({ x: 0, y: 0 }); // the others stay
      expect(memberOf((await peek(server, 5)).members, 6)).toMatchObject({ x: 5, y: 4 });
      // The pushed avatar walks on from its new cell.
      expect(await step(visitor, 'up')).toMatchObject({ type: 'moved', x: 5, y: 3 });
      await owner.close();
      await visitor.close();
    });

    it('with the cell above taken, the tie between left and right goes to the smaller x', async () => {
      const [owner] = await joinAs(server, 7, 7);
      const [visitor] = await joinAs(server, 8, 7);
      await buildOk(owner, 0, [wall(5, 4)]);
      await walk(visitor, [...times(5, 'down'), ...times(5, 'right')]);
      const built = await buildOk(owner, 1, [wall(5, 5)]);
      expect(memberOf(built.members, 8)).toMatchObject({ x: 4, y: 5 });
      await owner.close();
      await visitor.close();
    });

    it('a game dropped on two avatars pushes each to its own nearest free cell; the owner is pushed too', async () => {
      const [owner] = await joinAs(server, 9, 9);
      const [a] = await joinAs(server, 10, 9);
      const [b] = await joinAs(server, 1, 9);
      await walkTo(a, 5, 5);
      await walkTo(b, 6, 6);
      await walkTo(owner, 6, 5);
      // The 2×2 game covers (5,5)-(6,6).
      const built = await buildOk(owner, 0, [{ op: 'place', kind: 'game', x: 5, y: 5, gameId: 9 }]);
      expect(memberOf(built.members, 10)).toMatchObject({ x: 5, y: 4 });
      expect(memberOf(built.members, 1)).toMatchObject({ x: 7, y: 6 });
      expect(memberOf(built.members, 9)).toMatchObject({ x: 6, y: 4 });
      expect(built.members).toHaveLength(3);
      for (const c of [a, b]) expect(await c.next((f) => f.type === 'built' && f.seq === built.seq)).toEqual(built);
      for (const c of [owner, a, b]) await c.close();
    });

    it('an avatar walled in on all sides is pushed further, to the nearest cell that is free', async () => {
      const [owner] = await joinAs(server, 2, 2);
      const [visitor] = await joinAs(server, 3, 2);
      await walkTo(visitor, 3, 3);
      // A ring around (3,3), then the centre: every distance-1 cell is taken; of the distance-2
      // cells, (3,1) has the smallest y.
      await buildOk(owner, 0, [wall(3, 2), wall(2, 3), wall(4, 3), wall(3, 4)]);
      const built = await buildOk(owner, 1, [wall(3, 3)]);
      expect(memberOf(built.members, 3)).toMatchObject({ x: 3, y: 1 });
      expectValidMap(built.map);
      await owner.close();
      await visitor.close();
    });
  });
});
