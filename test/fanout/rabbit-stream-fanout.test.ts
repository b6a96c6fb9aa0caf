import { randomBytes } from 'node:crypto';
import type { ControlMessage, FanoutEvent } from '../../src/fanout/fanout.port';
import { RabbitStreamFanout } from '../../src/fanout/rabbit-stream-fanout';
import { partitionOf } from '../../src/fanout/stream-partitions';
import { createLogger } from '../../src/logging/logger';
import { deleteBrokerQueues, listBrokerQueues } from '../support/rabbit';
import { SERVICES } from '../support/server';

const PARTITIONS = 4;

jest.setTimeout(30_000);

/** Resolves once `pred` holds, checking after every event the test feeds in. */
function until<T>(list: T[], pred: (l: T[]) => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (pred(list)) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`condition not met; have ${JSON.stringify(list)}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** Two rooms that land on different partitions. */
function roomsOnDistinctPartitions(): [string, string] {
  const a = 'room-a';
  for (let i = 0; ; i++)
    if (partitionOf(`room-b${i}`, PARTITIONS) !== partitionOf(a, PARTITIONS)) return [a, `room-b${i}`];
}

describe('RabbitStreamFanout on the real broker', () => {
  const prefix = `t.${randomBytes(5).toString('hex')}`;
  const ids = ['fa', 'fb', 'fc'];
  const made: RabbitStreamFanout[] = [];

  function fanout(instanceId: string, url = SERVICES.rabbitmq): RabbitStreamFanout {
    const f = new RabbitStreamFanout(
      {
        url,
        instanceId,
        prefix,
        partitions: PARTITIONS,
        maxAge: '10m',
        maxBytes: 20_000_000,
        segmentBytes: 1_000_000,
        prefetch: 50,
        batchMax: 256,
        batchLingerMs: 0,
        publishUnread: false,
      },
      createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', instanceId),
    );
    made.push(f);
    return f;
  }

  /**
   * Instances fa and fb, both connected, fb reading `roomId`'s partition; what fb receives lands in
   * `got`. The subscription announces itself with a resync (events published before it are read
   * from the room log), so once it is seen, fa's publishes reach fb.
   */
  async function publisherAndReader(roomId: string) {
    const a = fanout('fa');
    const b = fanout('fb');
    await Promise.all([a.start(5000), b.start(5000)]);
    const got: FanoutEvent[] = [];
    const resynced: string[] = [];
    b.onEvent((e) => got.push(e));
    b.onResync((r) => resynced.push(r));
    b.watchRoom(roomId);
    await until(resynced, (l) => l.includes(roomId));
    return { a, b, got };
  }

  afterEach(async () => {
    await Promise.all(made.splice(0).map((f) => f.close()));
  });
  afterAll(async () => {
    await deleteBrokerQueues(prefix, PARTITIONS, ids);
  });

  it('declares one stream per partition with the configured retention', async () => {
    const a = fanout('fa');
    await a.start(5000);
    expect(a.isHealthy()).toBe(true);
    const queues = await listBrokerQueues(prefix);
    const streams = queues
      .filter((q) => q.name.startsWith(`${prefix}.events.`))
      .sort((x, y) => x.name.localeCompare(y.name));
    expect(streams.map((q) => q.name)).toEqual([0, 1, 2, 3].map((p) => `${prefix}.events.${p}`));
    for (const s of streams) {
      expect(s.type).toBe('stream');
      expect(s.arguments).toMatchObject({
        'x-max-age': '10m',
        'x-max-length-bytes': 20_000_000,
        'x-stream-max-segment-size-bytes': 1_000_000,
      });
    }
    expect(queues.find((q) => q.name === `${prefix}.control.fa`)).toMatchObject({ type: 'classic' });
  });

  it('delivers a room event to the instances watching that room, and only the partitions they need are read', async () => {
    const [roomA, roomB] = roomsOnDistinctPartitions();
    const { a, b, got } = await publisherAndReader(roomA);
    expect(b.activePartitions()).toEqual([partitionOf(roomA, PARTITIONS)]);

    await a.publish({ roomId: roomB, seq: 1, json: '{"type":"moved","roomId":"b","seq":1}' });
    await a.publish({ roomId: roomA, seq: 7, json: '{"type":"moved","seq":7}' });
    await a.publish({ roomId: roomA, seq: 8, json: '{"type":"moved","seq":8}' });
    await until(got, (l) => l.length >= 2);
    expect(got).toEqual([
      { origin: 'fa', roomId: roomA, seq: 7, json: '{"type":"moved","seq":7}' },
      { origin: 'fa', roomId: roomA, seq: 8, json: '{"type":"moved","seq":8}' },
    ]);
  });

  it('events published in one turn travel batched and arrive each once, in publish order, only for watched rooms', async () => {
    const [roomA, roomB] = roomsOnDistinctPartitions();
    const { a, got } = await publisherAndReader(roomA);
    const publishes: Promise<void>[] = [];
    for (let seq = 1; seq <= 40; seq++) {
      const at = Date.now();
      publishes.push(a.publish({ roomId: roomA, seq, json: `{"type":"moved","seq":${seq},"name":"Zoë"}`, at }));
      publishes.push(a.publish({ roomId: roomB, seq, json: `{"type":"moved","seq":${seq}}`, at }));
    }
    await Promise.all(publishes);
    await until(got, (l) => l.length >= 40);
    expect(got.map((e) => [e.roomId, e.seq, e.json])).toEqual(
      Array.from({ length: 40 }, (_, i) => [roomA, i + 1, `{"type":"moved","seq":${i + 1},"name":"Zoë"}`]),
    );
    expect(got.every((e) => e.origin === 'fa' && typeof e.at === 'number')).toBe(true);
  });

  it('closing waits for the broker to confirm the events of its last turn, so none is reported lost', async () => {
    const [roomA] = roomsOnDistinctPartitions();
    const { a, got } = await publisherAndReader(roomA);
    const outcomes: string[] = [];
    for (let seq = 1; seq <= 20; seq++)
      void a.publish({ roomId: roomA, seq, json: `{"type":"moved","seq":${seq}}` }).then(
        () => outcomes.push('confirmed'),
        (err: Error) => outcomes.push(`failed: ${err.message}`),
      );
    await a.close();
    await until(outcomes, (l) => l.length === 20);
    expect(outcomes).toEqual(Array<string>(20).fill('confirmed'));
    await until(got, (l) => l.length >= 20);
    expect(got.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('sends a control message to its target instance only', async () => {
    const a = fanout('fa');
    const b = fanout('fb');
    const c = fanout('fc');
    await Promise.all([a.start(5000), b.start(5000), c.start(5000)]);
    const atB: ControlMessage[] = [];
    const atC: ControlMessage[] = [];
    b.onControl((m) => atB.push(m));
    c.onControl((m) => atC.push(m));
    const msg: ControlMessage = { kind: 'replace', targetInstance: 'fb', roomId: '1', sessionId: 's-1' };
    await a.sendControl(msg);
    await until(atB, (l) => l.length === 1);
    expect(atB).toEqual([msg]);
    await a.sendControl({ ...msg, targetInstance: 'fc', sessionId: 's-2' });
    await until(atC, (l) => l.length === 1);
    expect(atB).toHaveLength(1);
  });

  it('reports unhealthy and refuses to publish while the broker is unreachable, and closes cleanly', async () => {
    const f = fanout('fa', 'amqp://guest:guest@127.0.0.1:1');
    await f.start(300);
    expect(f.isHealthy()).toBe(false);
    await expect(f.publish({ roomId: 'r', seq: 1, json: '{}' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await f.close();
  });
});
