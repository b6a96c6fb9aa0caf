import { createTestEnv, startTestServer, type TestServer } from '../support/server';
import { describeEachMode } from '../support/modes';
import { connectAs, enter, joinAs, sleep, walk } from '../support/room';

describeEachMode('epochs and resume by time', (mode) => {
  let server: TestServer;
  // A short room log, so that "too far back" is a dozen events away.
  beforeAll(async () => {
    server = await mode.start({ ROOM_LOG_LENGTH: '10' });
  });
  afterAll(async () => {
    await server.close();
  });

  describe('epoch', () => {
    it('every welcome carries the same epoch while the room state lives', async () => {
      const [owner, w1] = await joinAs(server, 1, 1);
      const [visitor, w2] = await joinAs(server, 2, 1);
      expect(typeof w1.epoch).toBe('string');
      expect(w1.epoch.length).toBeGreaterThan(0);
      expect(w2.epoch).toBe(w1.epoch);
      await owner.close();
      await visitor.close();
    });

    it('a resume naming the current epoch gets the missed events', async () => {
      const [owner] = await joinAs(server, 3, 3);
      const [visitor, w] = await joinAs(server, 4, 3);
      await visitor.kill();
      await owner.next((f) => f.type === 'left' && f.userId === '4');
      await walk(owner, ['right', 'down']);
      const back = await connectAs(server, 4);
      const welcome = await enter(back, 3, { resume: { seq: w.seq, epoch: w.epoch } });
      expect(welcome.resumed).toBe(true);
      await back.next((f) => f.type === 'entered' && f.seq === welcome.seq);
      expect(back.events().map((e) => e.type)).toEqual(['left', 'moved', 'moved', 'entered']);
      await owner.close();
      await back.close();
    });

    it('a resume naming another epoch gets a fresh welcome, never a delta', async () => {
      const [owner] = await joinAs(server, 5, 5);
      const [visitor, w] = await joinAs(server, 6, 5);
      await visitor.kill();
      await walk(owner, ['right']);
      const back = await connectAs(server, 6);
      const welcome = await enter(back, 5, { resume: { seq: w.seq, epoch: `${w.epoch}x` } });
      expect(welcome.resumed).toBe(false);
      expect(welcome.epoch).toBe(w.epoch);
      const live = await walk(owner, ['left']);
      await back.next((f) => f.seq === live.seq);
      expect(back.events().map((e) => e.seq)).toEqual([live.seq]);
      await owner.close();
      await back.close();
    });

    it('a resume from a seq the room never reached (another epoch) gets a fresh welcome', async () => {
      const [owner, w] = await joinAs(server, 7, 7);
      const back = await connectAs(server, 8);
      const welcome = await enter(back, 7, { resume: { seq: w.seq + 500 } });
      expect(welcome.resumed).toBe(false);
      await owner.close();
      await back.close();
    });
  });

  describe('resume by time', () => {
    it('gets the events logged after that time, in order, as the others saw them', async () => {
      const [owner] = await joinAs(server, 9, 9);
      const [visitor, w] = await joinAs(server, 10, 9);
      // Clear of the last event's millisecond on both sides, so "after the time" is unambiguous.
      await sleep(20);
      const time = new Date().toISOString();
      await sleep(20);
      await visitor.kill();
      await owner.next((f) => f.type === 'left' && f.userId === '10');
      await walk(owner, ['right', 'down']);

      const back = await connectAs(server, 10);
      const welcome = await enter(back, 9, { resume: { time } });
      expect(welcome.resumed).toBe(true);
      await back.next((f) => f.type === 'entered' && f.seq === welcome.seq);
      const replay = back.events();
      expect(replay.map((e) => e.seq)).toEqual(Array.from({ length: welcome.seq - w.seq }, (_, i) => w.seq + 1 + i));
      expect(replay.map((e) => e.type)).toEqual(['left', 'moved', 'moved', 'entered']);
      await owner.next((f) => f.type === 'entered' && f.seq === welcome.seq);
      const live = owner.events().filter((e) => (e.seq as number) > w.seq && (e.seq as number) <= welcome.seq);
      expect(replay).toEqual(live.map(({ id: _id, ...event }) => event));
      await owner.close();
      await back.close();
    });

    it('a time older than the room log reaches: `resumed: false`, a fresh welcome and no replay', async () => {
      const [owner] = await joinAs(server, 11, 11);
      const [visitor] = await joinAs(server, 12, 11);
      const time = new Date(Date.now() - 60_000).toISOString();
      await visitor.kill();
      // More events than the 10 the log keeps.
      await walk(owner, ['right', 'left', 'right', 'left', 'right', 'left', 'right', 'left', 'right', 'left', 'right']);
      const back = await connectAs(server, 12);
      const welcome = await enter(back, 11, { resume: { time } });
      expect(welcome.resumed).toBe(false);
      const live = await walk(owner, ['down']);
      await back.next((f) => f.seq === live.seq);
      expect(back.events().map((e) => e.seq)).toEqual([live.seq]);
      await owner.close();
      await back.close();
    });

    it('a time that is not ISO-8601, or both seq and time: BAD_REQUEST naming resume', async () => {
      const client = await connectAs(server, 13);
      for (const resume of [
        { time: 'yesterday' },
        { time: '2025-01-02' },
        { seq: 1, time: new Date().toISOString() },
      ]) {
        const reply = await client.request({ type: 'enter', roomId: '13', resume });
        expect(reply).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
        expect(reply.message).toMatch(/resume/);
      }
      await client.close();
    });
  });

  it(`a restart ${mode.mode === 'embedded' ? 'begins a new epoch (the state lived in the process)' : 'keeps the epoch (the state lives in Redis)'}`, async () => {
    const env = await createTestEnv(mode.mode);
    try {
      const first = await startTestServer({}, env, mode.mode);
      const [c1, before] = await joinAs(first, 14, 14);
      await c1.close();
      await first.close();
      const second = await startTestServer({}, env, mode.mode);
      const [c2, after] = await joinAs(second, 14, 14);
      if (mode.mode === 'embedded') expect(after.epoch).not.toBe(before.epoch);
      else expect(after.epoch).toBe(before.epoch);
      await c2.close();
      await second.close();
    } finally {
      await env.dropAll();
    }
  });
});
