import { describeEachMode } from '../support/modes';
import { buildOk, connectAs, enter, joinAs, memberOf, peek, step, wall, walk } from '../support/room';
import type { TestServer } from '../support/server';

describeEachMode('entering and moving', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start();
  });
  afterAll(async () => {
    await server.close();
  });

  describe('welcome and entered', () => {
    it('the first player gets the whole room: id, seq, who they are, the map, themselves at (0,0)', async () => {
      const client = await connectAs(server, 1, { name: 'Owner One' });
      const welcome = await enter(client, 1);
      expect(welcome).toMatchObject({
        type: 'welcome',
        roomId: '1',
        you: { userId: '1', role: 'player' },
        map: { version: 0, width: 20, height: 20, objects: [] },
        members: [{ userId: '1', name: 'Owner One', x: 0, y: 0, role: 'player' }],
        spectators: 0,
      });
      expect(Number.isInteger(welcome.seq)).toBe(true);
      expect(welcome.resumed).toBeUndefined();
      await client.close();
    });

    it("a second player: the first sees `entered` with the next seq; the newcomer's welcome lists both", async () => {
      const [first, w1] = await joinAs(server, 2, 2);
      const [second, w2] = await joinAs(server, 3, 2);
      expect(w2.seq).toBe(w1.seq + 1);
      const entered = await first.next((f) => f.type === 'entered');
      expect(entered).toEqual({
        type: 'entered',
        roomId: '2',
        seq: w2.seq,
        member: { userId: '3', name: 'user3', x: 0, y: 0, role: 'player' },
      });
      // Several avatars may share a cell: both stand on the spawn cell.
      expect(w2.members).toEqual(
        expect.arrayContaining([
          { userId: '2', name: 'user2', x: 0, y: 0, role: 'player' },
          { userId: '3', name: 'user3', x: 0, y: 0, role: 'player' },
        ]),
      );
      expect(w2.members).toHaveLength(2);
      // The newcomer does not get its own `entered`: the welcome already says it.
      expect(second.ofType('entered')).toEqual([]);
      await first.close();
      await second.close();
    });

    it('entering puts the avatar on the nearest free cell to (0,0) when the spawn is walled', async () => {
      const [owner] = await joinAs(server, 4, 4);
      await step(owner, 'down'); // out of the way of the walls below
      await step(owner, 'down');
      // (0,0) walled: (1,0) and (0,1) are both one step away; the smaller y wins.
      await buildOk(owner, 0, [wall(0, 0)]);
      const [a, wa] = await joinAs(server, 5, 4);
      expect(memberOf(wa.members, 5)).toMatchObject({ x: 1, y: 0 });
      await buildOk(owner, 1, [wall(1, 0)]);
      const [b, wb] = await joinAs(server, 6, 4);
      expect(memberOf(wb.members, 6)).toMatchObject({ x: 0, y: 1 });
      for (const c of [owner, a, b]) await c.close();
    });
  });

  describe('moves', () => {
    it("each step is one `moved` for everybody, seq up by exactly 1; only the mover's copy carries its id", async () => {
      const [mover, w1] = await joinAs(server, 1, 7);
      const [watcher] = await joinAs(server, 7, 7);
      let seq = w1.seq + 1; // the watcher's entered
      await mover.next((f) => f.type === 'entered' && f.seq === seq);
      const path = ['right', 'right', 'down', 'left', 'down', 'up'] as const;
      const expected = [
        [1, 0],
        [2, 0],
        [2, 1],
        [1, 1],
        [1, 2],
        [1, 1],
      ];
      for (const [i, dir] of path.entries()) {
        const reply = await mover.request({ type: 'move', dir, id: `m${i}` });
        seq++;
        const [x, y] = expected[i];
        expect(reply).toEqual({ type: 'moved', id: `m${i}`, roomId: '7', seq, userId: '1', x, y, dir });
        const seen = await watcher.next((f) => f.type === 'moved' && f.seq === seq);
        expect(seen).toEqual({ type: 'moved', roomId: '7', seq, userId: '1', x, y, dir });
      }
      // A move without an id still reaches the mover, without an id.
      mover.send({ type: 'move', dir: 'right' });
      seq++;
      expect(await mover.next((f) => f.type === 'moved' && f.seq === seq)).not.toHaveProperty('id');
      await watcher.next((f) => f.type === 'moved' && f.seq === seq);
      // Both saw the same gap-free sequence.
      const seqs = watcher.events().map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] as number) + i));
      expect(
        mover
          .events()
          .filter((e) => (e.seq as number) > w1.seq + 1)
          .map((e) => e.seq),
      ).toEqual(watcher.events().map((e) => e.seq));
      await mover.close();
      await watcher.close();
    });

    it('the position a later newcomer sees is where the steps led', async () => {
      const [mover] = await joinAs(server, 8, 8);
      await walk(mover, ['right', 'right', 'right', 'down']);
      expect(memberOf((await peek(server, 8)).members, 8)).toMatchObject({ x: 3, y: 1 });
      await mover.close();
    });
  });

  describe('spectators', () => {
    it("watch without an avatar: not in members, counted, no `entered`, but they see the room's events", async () => {
      const [player, wp] = await joinAs(server, 9, 9);
      const [spec1, ws1] = await joinAs(server, 10, 9, { as: 'spectator' });
      expect(ws1.you).toEqual({ userId: '10', role: 'spectator', owner: false });
      expect(ws1.members.map((m) => m.userId)).toEqual(['9']);
      expect(ws1.spectators).toBe(1);
      expect(ws1.seq).toBe(wp.seq); // a spectator's arrival is no room event

      const [spec2, ws2] = await joinAs(server, 11, 9, { as: 'spectator' });
      expect(ws2.spectators).toBe(2);

      const moved = await step(player, 'down');
      expect(moved.seq).toBe(wp.seq + 1);
      for (const s of [spec1, spec2]) {
        expect(await s.next((f) => f.type === 'moved' && f.seq === moved.seq)).toMatchObject({
          userId: '9',
          x: 0,
          y: 1,
        });
      }
      expect(player.ofType('entered')).toEqual([]);

      expect(await step(spec1, 'right')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
      for (const c of [player, spec1, spec2]) await c.close();
    });

    it('a spectator who leaves produces no event', async () => {
      const [player, wp] = await joinAs(server, 12, 12);
      const [spec] = await joinAs(server, 13, 12, { as: 'spectator' });
      expect((await spec.request({ type: 'leave' })).type).toBe('ack');
      await spec.close();
      const marker = await step(player, 'right');
      expect(marker.seq).toBe(wp.seq + 1);
      expect(player.events().map((e) => e.seq)).toEqual([wp.seq + 1]);
      await player.close();
    });
  });
});
