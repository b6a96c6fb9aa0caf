import { describeEachMode } from '../support/modes';
import { connectAs, enter, joinAs, memberOf, peek, step, walk, walkTo } from '../support/room';
import type { TestServer } from '../support/server';

describeEachMode('replacement and resume', (mode) => {
  let server: TestServer;
  // A short room log, so that "too far back" is a dozen events away.
  beforeAll(async () => {
    server = await mode.start({ ROOM_LOG_LENGTH: '10' });
  });
  afterAll(async () => {
    await server.close();
  });

  describe('one avatar per user per room', () => {
    it('the same user enters from a second socket: the old one gets `replaced`, then close 4001; no churn for the others', async () => {
      const [owner] = await joinAs(server, 1, 1);
      const [first] = await joinAs(server, 2, 1);
      const lastMove = await walkTo(first, 2, 1);
      await owner.next((f) => f.type === 'moved' && f.seq === lastMove.seq);

      const [second, welcome] = await joinAs(server, 2, 1);
      expect(welcome.you).toMatchObject({ userId: '2', role: 'player' });
      // One avatar for user 2, still where it stood.
      expect(welcome.members.filter((m) => m.userId === '2')).toEqual([
        { userId: '2', name: 'user2', x: 2, y: 1, role: 'player' },
      ]);
      expect(welcome.members).toHaveLength(2);

      const closed = await first.closed;
      expect(closed.code).toBe(4001);
      const last = first.frames[first.frames.length - 1];
      expect(last).toMatchObject({ type: 'replaced', message: expect.any(String) });

      // The new socket drives the avatar; the owner saw nothing between the last move and this one.
      const moved = await step(second, 'down');
      expect(moved).toMatchObject({ type: 'moved', userId: '2', x: 2, y: 2, seq: (lastMove.seq as number) + 1 });
      await owner.next((f) => f.type === 'moved' && f.seq === moved.seq);
      expect(
        owner
          .events()
          .filter((e) => (e.seq as number) > (lastMove.seq as number))
          .map((e) => e.type),
      ).toEqual(['moved']);
      expect(owner.events().some((e) => e.type === 'left')).toBe(false);

      // The replaced socket's close does not take the avatar with it.
      expect((await peek(server, 1)).members.filter((m) => m.userId === '2')).toHaveLength(1);
      await owner.close();
      await second.close();
    });

    it('the same user in two different rooms keeps both avatars', async () => {
      const [inThree] = await joinAs(server, 3, 3);
      const [inFour] = await joinAs(server, 3, 4);
      expect(memberOf((await peek(server, 3)).members, 3)).toBeDefined();
      expect(memberOf((await peek(server, 4)).members, 3)).toBeDefined();
      expect(inThree.isOpen && inFour.isOpen).toBe(true);
      expect(inThree.ofType('replaced')).toEqual([]);
      await inThree.close();
      await inFour.close();
    });
  });

  describe('resume', () => {
    it('after a dropped connection: `resumed: true`, then every missed event in order, then live ones', async () => {
      const [owner] = await joinAs(server, 5, 5);
      const [visitor, w] = await joinAs(server, 6, 5);
      const seen = w.seq;
      await visitor.kill();
      const left = await owner.next((f) => f.type === 'left' && f.userId === '6');
      await walk(owner, ['right', 'down', 'right']);

      const back = await connectAs(server, 6);
      const welcome = await enter(back, 5, { resume: { seq: seen } });
      expect(welcome.resumed).toBe(true);
      await back.next((f) => f.seq === welcome.seq && f.type === 'entered');
      const replay = back.frames.slice(back.frames.indexOf(welcome) + 1);
      expect(replay.map((e) => e.seq)).toEqual(Array.from({ length: welcome.seq - seen }, (_, i) => seen + 1 + i));
      expect(replay.map((e) => e.type)).toEqual(['left', 'moved', 'moved', 'moved', 'entered']);
      expect(replay[0]).toEqual(left);
      // The replay is what the others saw live (less the request ids of the owner's own moves).
      await owner.next((f) => f.type === 'entered' && f.seq === welcome.seq);
      const live = owner.events().filter((e) => (e.seq as number) > seen && (e.seq as number) <= welcome.seq);
      expect(replay).toEqual(live.map(({ id: _id, ...event }) => event));

      const next = await step(owner, 'left');
      expect(await back.next((f) => f.type === 'moved' && f.seq === next.seq)).toMatchObject({ userId: '5' });
      await owner.close();
      await back.close();
    });

    it('on the same socket after a leave', async () => {
      const [owner] = await joinAs(server, 7, 7);
      const [visitor, w] = await joinAs(server, 8, 7);
      await visitor.request({ type: 'leave' });
      const moved = await step(owner, 'down');
      visitor.clear();
      const welcome = await enter(visitor, 7, { resume: { seq: w.seq } });
      expect(welcome.resumed).toBe(true);
      await visitor.next((f) => f.type === 'entered' && f.seq === welcome.seq);
      expect(visitor.events().map((e) => [e.type, e.seq])).toEqual([
        ['left', w.seq + 1],
        ['moved', moved.seq],
        ['entered', welcome.seq],
      ]);
      await owner.close();
      await visitor.close();
    });

    it('too far back for the room log: `resumed: false`, a fresh welcome and no replay', async () => {
      const [owner] = await joinAs(server, 9, 9);
      const [visitor, w] = await joinAs(server, 10, 9);
      await visitor.kill();
      // 12 more events than the visitor saw: more than the 10 the log keeps.
      await walk(owner, ['right', 'left', 'right', 'left', 'right', 'left', 'right', 'left', 'right', 'left', 'right']);

      const back = await connectAs(server, 10);
      const welcome = await enter(back, 9, { resume: { seq: w.seq } });
      expect(welcome.resumed).toBe(false);
      expect(memberOf(welcome.members, 9)).toMatchObject({ x: 1, y: 0 });
      const live = await step(owner, 'down');
      await back.next((f) => f.seq === live.seq);
      expect(back.events().map((e) => e.seq)).toEqual([live.seq]);
      await owner.close();
      await back.close();
    });
  });
});
