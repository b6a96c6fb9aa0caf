import type { AdminSnapshot } from '../../src/api/api-types';
import { adminToken, api, expectProblem, signedToken } from '../support/api';
import { describeEachMode } from '../support/modes';
import { joinAs, step } from '../support/room';
import type { TestServer } from '../support/server';

/** Reads a text/event-stream until `wanted` events of `type` came, then lets go of it. */
async function readEvents(res: Response, type: string, wanted: number): Promise<unknown[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const found: unknown[] = [];
  let buffered = '';
  try {
    while (found.length < wanted) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended after ${found.length} ${type} events`);
      buffered += value;
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const lines = block.split('\n');
        const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length) ?? 'message';
        const data = lines
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice('data: '.length))
          .join('\n');
        if (event === type) found.push(JSON.parse(data));
      }
    }
    return found;
  } finally {
    await reader.cancel();
  }
}

/** The admin console's feed: admins only, a snapshot a second of instances, live rooms and totals. */
describeEachMode('admin stream', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start();
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses everyone but admins, as problems', async () => {
    expectProblem(await api(server.url, 'GET', '/api/admin/stream'), 401);
    expectProblem(await api(server.url, 'GET', '/api/admin/stream', { token: server.token(1) }), 403);
  });

  it('pushes instances, rooms sorted by players and totals, with events/s from the seq', async () => {
    const [owner] = await joinAs(server, 2, 2);
    const [guest] = await joinAs(server, 3, 2);
    const [alone] = await joinAs(server, 4, 4);
    try {
      const res = await fetch(`${server.url}/api/admin/stream`, {
        headers: { Authorization: `Bearer ${adminToken()}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // Steps between the first snapshots give the second one a rate above zero.
      const walking = (async () => {
        for (const dir of ['right', 'down', 'left', 'up'] as const) await step(guest, dir);
      })();
      const [first, second] = (await readEvents(res, 'snapshot', 2)) as AdminSnapshot[];
      await walking;
      expect(first.servedBy).toBe(server.config.instanceId);
      expect(first.instances.map((i) => i.instanceId)).toEqual([server.config.instanceId]);
      expect(first.rooms.map((r) => [r.roomId, r.players])).toEqual([
        ['2', 2],
        ['4', 1],
      ]);
      expect(first.totals).toMatchObject({ players: 3, spectators: 0, rooms: 2, instances: 1, eventsPerSecond: null });
      expect(second.totals.eventsPerSecond).toEqual(expect.any(Number));
      expect(Date.parse(second.at)).toBeGreaterThan(Date.parse(first.at));
    } finally {
      await Promise.all([owner.close(), guest.close(), alone.close()]);
    }
  });

  it('ends when the token that opened it expires', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const res = await fetch(`${server.url}/api/admin/stream`, {
      headers: { Authorization: `Bearer ${signedToken('ops', { role: 'admin', exp })}` },
    });
    expect(res.status).toBe(200);
    // Read to the end: the server closes it at exp (the test's timeout catches a stream that never ends).
    const text = await res.text();
    expect(text).toContain('event: snapshot');
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - 50);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await api<{ paths: Record<string, unknown> }>(server.url, 'GET', '/api/openapi.json');
    expect(doc.body.paths).toHaveProperty('/api/admin/stream');
  });
});
