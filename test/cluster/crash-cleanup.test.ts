import { TestClient } from '../support/client';
import { expectRoomInvariants } from '../support/invariants';
import { enter, type RoomServer } from '../support/room';
import { ServicesProbe } from '../support/services';
import { type Cluster, startCluster } from './cluster';
import { seenSeq } from './room-events';

jest.setTimeout(300_000);

const KILLS = 10;

/** The p-th percentile (nearest rank) of `values`. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * How long the players of a SIGKILLed instance stay in their room, with the default lease, heartbeat
 * and reaper interval: the figure the README gives. One pair of instances; the killed one is started
 * again (same INSTANCE_ID and port) before the next kill, so every kill hits an instance that has
 * been serving under a fresh lease.
 */
describe('SIGKILL cleanup, ten kills', () => {
  let cluster: Cluster;
  let probe: ServicesProbe;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster(2);
    probe = await ServicesProbe.open({ env: cluster.env });
  }, 90_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await probe?.close();
    await cluster?.stop();
  }, 30_000);

  async function connect(url: string, userId: number): Promise<TestClient> {
    const c = await TestClient.connect(url, cluster.token(userId));
    clients.push(c);
    return c;
  }

  it(`removes the dead instance's avatars (left, timeout) with p99 under 2 s by default`, async () => {
    const roomId = '3';
    const observer = await connect(cluster.instances[0].wsUrl, 1);
    const { seq: firstSeq } = await enter(observer, roomId);
    const elapsed: number[] = [];

    for (let k = 0; k < KILLS; k++) {
      const victim = cluster.instances[1];
      const users = [100 + 2 * k, 101 + 2 * k];
      let lastSeq = 0;
      for (const u of users) lastSeq = (await enter(await connect(victim.wsUrl, u), roomId)).seq;
      await seenSeq(observer, roomId, lastSeq);

      const killedAt = performance.now();
      victim.proc.kill('SIGKILL');
      const lefts = await Promise.all(
        users.map((u) => observer.next((f) => f.type === 'left' && f.userId === String(u), 15_000)),
      );
      elapsed.push(Math.round(performance.now() - killedAt));
      for (const l of lefts) expect(l.reason).toBe('timeout');

      await cluster.restart(1);
    }

    const p50 = percentile(elapsed, 50);
    const p99 = percentile(elapsed, 99);
    console.log(`SIGKILL cleanup over ${KILLS} kills: p50 ${p50} ms, p99 ${p99} ms (each: ${elapsed.join(', ')} ms)`);
    // The defaults aim at p99 ≤ 2 s; on a loaded CI machine a reaper scan can run late, so the
    // assertion leaves room, while a lease or interval twice too long would still fail it.
    expect(p99).toBeLessThan(3500);

    // Nothing of the ten dead incarnations is left, and the room is as every client sees it.
    const server: RoomServer = { wsUrl: cluster.instances[0].wsUrl, token: (userId) => cluster.token(userId) };
    const report = await expectRoomInvariants(server, roomId, { clients: [observer], players: ['1'], probe });
    expect(report.room.seq).toBeGreaterThanOrEqual(firstSeq + 4 * KILLS);
  });
});
