import { adminToken, api } from '../support/api';
import { type ServerPair, startServerPair } from '../support/cluster-pair';
import { connectAs, enter, eventually, joinAs } from '../support/room';
import type { TestServer } from '../support/server';

/**
 * Two instances in services mode on one Redis, MySQL and RabbitMQ (their own key prefix, database
 * and streams): whichever instance an operator's request reaches, it acts on clients of the other.
 */
describe('operator HTTP API across two instances', () => {
  let pair: ServerPair;
  let a: TestServer;
  let b: TestServer;
  const ADMIN = adminToken('ops');

  beforeAll(async () => {
    pair = await startServerPair({
      RABBITMQ_STREAM_MAX_AGE: '10m',
      RABBITMQ_STREAM_MAX_BYTES: '20000000',
      RABBITMQ_STREAM_SEGMENT_BYTES: '1000000',
    });
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  it("lists both instances, and where a room's sessions are", async () => {
    type Listed = { instanceId: string; leaseEpoch: string | null; draining: boolean };
    const list = async () =>
      (await api<{ instances: Listed[] }>(a.url, 'GET', '/api/instances', { token: ADMIN })).body.instances;
    // Each instance publishes its figures every heartbeat: B's first ones may predate its lease.
    await eventually(
      async () => {
        if (!(await list()).every((i) => i.leaseEpoch !== null)) throw new Error('waiting for both lease epochs');
      },
      10_000,
      50,
    );
    const instances = await list();
    expect(instances.map((i) => i.instanceId)).toEqual([a.config.instanceId, b.config.instanceId].sort());
    for (const i of instances) expect(i).toMatchObject({ leaseEpoch: expect.any(String), draining: false });

    const [onA] = await joinAs(a, 1, 1);
    const [onB] = await joinAs(b, 2, 1);
    try {
      const rooms = await api<{ rooms: { roomId: string; players: number; instances: string[] }[] }>(
        b.url,
        'GET',
        '/api/rooms',
        { token: ADMIN },
      );
      expect(rooms.body.rooms).toEqual([
        expect.objectContaining({
          roomId: '1',
          players: 2,
          spectators: 0,
          instances: [a.config.instanceId, b.config.instanceId].sort(),
        }),
      ]);
    } finally {
      await Promise.all([onA.close(), onB.close()]);
    }
  });

  it("a notice sent through one instance reaches the room's clients on both, with one seq", async () => {
    const [onA] = await joinAs(a, 3, 3);
    const [onB] = await joinAs(b, 4, 3);
    await onA.next((f) => f.type === 'entered' && (f.member as { userId: string }).userId === '4');
    const answer = await api<{ seq: number }>(b.url, 'POST', '/api/rooms/3/notices', {
      token: a.token(3),
      body: { text: 'from B' },
    });
    expect(answer.status).toBe(202);
    const expected = {
      type: 'notice',
      roomId: '3',
      seq: answer.body.seq,
      text: 'from B',
      from: { userId: '3', name: 'user3' },
    };
    expect(await onA.next((f) => f.type === 'notice')).toEqual(expected);
    expect(await onB.next((f) => f.type === 'notice')).toEqual(expected);
    // A received B's `entered` and notice through the broker, so A measured a consumer lag (its own entry is always fresh).
    const list = await api<{ instances: { instanceId: string; brokerLagMs: number | null }[] }>(
      a.url,
      'GET',
      '/api/instances',
      { token: ADMIN },
    );
    expect(list.body.instances.find((i) => i.instanceId === a.config.instanceId)?.brokerLagMs).toEqual(
      expect.any(Number),
    );
    await Promise.all([onA.close(), onB.close()]);
  });

  it("a kick sent to one instance closes the player's socket on the other with 4003", async () => {
    const [owner] = await joinAs(a, 5, 5);
    const [victim] = await joinAs(b, 6, 5);
    await owner.next((f) => f.type === 'entered' && (f.member as { userId: string }).userId === '6');
    const answer = await api<{ seq: number }>(a.url, 'POST', '/api/rooms/5/kick', {
      token: ADMIN,
      body: { userId: '6' },
    });
    expect(answer.status).toBe(202);
    expect(await victim.next((f) => f.type === 'kicked')).toEqual({
      type: 'kicked',
      roomId: '5',
      message: expect.stringContaining('admin'),
    });
    expect((await victim.closed).code).toBe(4003);
    expect(await owner.next((f) => f.type === 'left')).toEqual({
      type: 'left',
      roomId: '5',
      seq: answer.body.seq,
      userId: '6',
      reason: 'kicked',
    });
    const state = await api<{ members: { userId: string }[] }>(b.url, 'GET', '/api/rooms/5/state', { token: ADMIN });
    expect(state.body.members.map((m) => m.userId)).toEqual(['5']);
    await owner.close();
  });

  it('a drain sent to one instance drains the other: its clients get 1012, it stops and leaves the list', async () => {
    const watcher = await connectAs(a, 8);
    await enter(watcher, 7);
    const [onB] = await joinAs(b, 7, 7);
    const answer = await api(a.url, 'POST', `/api/instances/${b.config.instanceId}/drain`, { token: ADMIN });
    expect(answer.status).toBe(202);
    expect((await onB.closed).code).toBe(1012);
    // The drain took B's avatar out like any leave.
    expect(await watcher.next((f) => f.type === 'left')).toMatchObject({ userId: '7', reason: 'disconnect' });
    await b.closed;
    const list = await api<{ instances: { instanceId: string }[] }>(a.url, 'GET', '/api/instances', { token: ADMIN });
    expect(list.body.instances.map((i) => i.instanceId)).toEqual([a.config.instanceId]);
    expect(watcher.isOpen).toBe(true);
    await watcher.close();
  });
});
