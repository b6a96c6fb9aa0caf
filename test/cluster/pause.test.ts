import { TestClient } from '../support/client';
import { expectRoomInvariants } from '../support/invariants';
import { enter, type RoomServer } from '../support/room';
import { ServicesProbe } from '../support/services';
import { type Cluster, startCluster } from './cluster';

jest.setTimeout(90_000);

/**
 * The process pause (Kleppmann's case against leases without fencing): an instance with players
 * is frozen (SIGSTOP) for longer than its lease, the other instance reaps its avatars, then it is
 * thawed (SIGCONT) with requests of its clients waiting in its socket buffers. Every write it
 * attempts is refused by the fencing check in the Redis scripts, it notices that it lost its
 * lease, closes its sockets with 1012 and a retry hint, and its clients come back through the
 * gateway to a correct room. Touches no shared service: only this cluster's processes.
 */
describe('an instance paused past its lease', () => {
  let cluster: Cluster;
  let probe: ServicesProbe;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster(2);
    probe = await ServicesProbe.open({ env: cluster.env });
  }, 90_000);
  afterAll(async () => {
    for (const i of cluster?.instances ?? []) if (i.alive) i.proc.kill('SIGCONT');
    await Promise.all(clients.map((c) => c.close()));
    await probe?.close();
    await cluster?.stop();
  }, 30_000);

  async function connect(url: string, userId: number): Promise<TestClient> {
    const c = await TestClient.connect(url, cluster.token(userId));
    clients.push(c);
    return c;
  }

  it('is fenced when it wakes: no write lands, its clients get 1012 and land elsewhere with a correct room', async () => {
    const [paused, other] = cluster.instances;
    const roomId = '1';
    const p1 = await connect(paused.wsUrl, 1);
    const p2 = await connect(paused.wsUrl, 2);
    const observer = await connect(other.wsUrl, 3);
    await enter(p1, roomId);
    await enter(p2, roomId);
    const w3 = await enter(observer, roomId);
    expect(w3.members.map((m) => m.userId).sort()).toEqual(['1', '2', '3']);

    paused.proc.kill('SIGSTOP');
    const stoppedAt = performance.now();
    // The other instance sees the lease expire and removes the frozen instance's avatars.
    for (const userId of ['1', '2']) {
      await observer.next((f) => f.type === 'left' && f.userId === userId, 30_000);
      expect(observer.frames.find((f) => f.type === 'left' && f.userId === userId)).toMatchObject({
        reason: 'timeout',
      });
    }
    const reapedMs = Math.round(performance.now() - stoppedAt);
    const seqAfterReap = await probe.seq(roomId);

    // Requests that reach the frozen process: it acts on them the moment it runs again.
    p1.send({ type: 'move', id: 'late-move', dir: 'right' });
    p1.send({
      type: 'build',
      id: 'late-build',
      baseVersion: w3.map.version,
      ops: [{ op: 'place', kind: 'wall', x: 9, y: 9 }],
    });
    p2.send({ type: 'move', id: 'late-move-2', dir: 'down' });
    paused.proc.kill('SIGCONT');
    const resumedAt = performance.now();

    const closes = await Promise.all([p1.closed, p2.closed]);
    const closedMs = Math.round(performance.now() - resumedAt);
    for (const close of closes) {
      expect(close.code).toBe(1012);
      expect(JSON.parse(close.reason)).toEqual({ retryAfterMs: expect.any(Number) });
    }
    // None of its writes landed: no reply says so, the room's seq did not move, nobody saw an event.
    for (const c of [p1, p2]) {
      for (const f of c.frames.filter((x) => typeof x.id === 'string' && x.id.startsWith('late-'))) {
        expect(f).toMatchObject({ type: 'error', code: 'UNAVAILABLE' });
      }
    }
    expect(await probe.seq(roomId)).toBe(seqAfterReap);
    expect(observer.events().filter((e) => (e.seq as number) > seqAfterReap)).toEqual([]);
    // It did try: its writes reached Redis and the scripts refused them for their stale epoch.
    const metrics = await (await fetch(`${paused.httpUrl}/metrics`)).text();
    const fenced = Number(/^myroom_fenced_writes_total (\d+)/m.exec(metrics)?.[1]);
    expect(fenced).toBeGreaterThanOrEqual(1);
    expect(paused.logTail(400)).toMatch(/instance lease lost/);
    expect(paused.alive).toBe(true);

    // Its clients come back through the gateway and find the room as it is.
    const back1 = await connect(cluster.gateway.wsUrl, 1);
    const back2 = await connect(cluster.gateway.wsUrl, 2);
    await enter(back1, roomId);
    await enter(back2, roomId);
    console.log(
      `paused past its lease: avatars reaped ${reapedMs} ms after SIGSTOP; ${fenced} writes fenced, sockets closed 1012 ${closedMs} ms after SIGCONT`,
    );

    const gateway: RoomServer = { wsUrl: cluster.gateway.wsUrl, token: (userId) => cluster.token(userId) };
    await expectRoomInvariants(gateway, roomId, { clients: [observer, back1, back2], players: ['1', '2', '3'], probe });
  });
});
