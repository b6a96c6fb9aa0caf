import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { mintToken } from '../../src/auth/mint';
import { TestClient } from '../support/client';
import { deleteBrokerQueues } from '../support/rabbit';
import { enter } from '../support/room';
import { createTestEnv, SERVICES, TEST_JWT_SECRET, testServerEnv, type TestEnv } from '../support/server';
import { freePort, waitFor } from './cluster';

const ROOT = resolve(__dirname, '../..');
const PARTITIONS = 2;

jest.setTimeout(90_000);

/**
 * `WORKERS=2 node dist/main.js` in services mode: one command, two full instances sharing one
 * port. Clients that land on different workers must still share a room (over the broker).
 */
describe('WORKERS=2 on one port', () => {
  let env: TestEnv;
  let proc: ChildProcess;
  let redis: Redis;
  let port: number;
  let output = '';
  const prefix = `t.w${Date.now().toString(36)}`;
  const instanceId = `w${Date.now().toString(36)}`;

  beforeAll(async () => {
    env = await createTestEnv();
    port = await freePort();
    proc = spawn(process.execPath, [join(ROOT, 'dist/main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        ...testServerEnv(env, {
          PORT: String(port),
          WORKERS: '2',
          INSTANCE_ID: instanceId,
          RABBITMQ_URL: SERVICES.rabbitmq,
          RABBITMQ_STREAM_PREFIX: prefix,
          RABBITMQ_STREAM_PARTITIONS: String(PARTITIONS),
          RABBITMQ_STREAM_MAX_BYTES: '20000000',
          RABBITMQ_STREAM_SEGMENT_BYTES: '2000000',
          LOG_LEVEL: 'warn',
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const out of [proc.stdout!, proc.stderr!])
      out.on('data', (c: Buffer) => {
        output = (output + c.toString()).slice(-8000);
      });
    redis = new Redis(SERVICES.redis, { keyPrefix: env.keyPrefix });
    // Ready once both workers hold a lease (the primary starts the second after the first serves).
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}):\n${output}`);
        const live = await Promise.all([0, 1].map((i) => redis.exists(`instance:{${instanceId}-${i}}:lease`)));
        return live.every((n) => n === 1);
      },
      'both workers to hold their lease',
      60_000,
      200,
    );
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    redis?.disconnect();
    await deleteBrokerQueues(
      prefix,
      PARTITIONS,
      [0, 1].map((i) => `${instanceId}-${i}`),
    );
    await env?.dropAll();
  });

  it('both workers serve, and players on different workers share a room', async () => {
    const token = (u: number) => mintToken(TEST_JWT_SECRET, { userId: String(u), name: `user${u}` });
    const url = `ws://127.0.0.1:${port}/ws`;
    const room = '81';
    const clients: TestClient[] = [];
    const holder = async (u: number) => ((await redis.hget(`room:{${room}}:sessions`, String(u))) ?? '').split('|')[1];
    // Connections are handed to the workers in turn; keep connecting until two workers hold one each.
    const byWorker = new Map<string, { client: TestClient; userId: number }>();
    for (let u = 81; byWorker.size < 2 && u < 91; u++) {
      const client = await TestClient.connect(url, token(u));
      clients.push(client);
      await enter(client, room);
      const worker = await holder(u);
      if (!byWorker.has(worker)) byWorker.set(worker, { client, userId: u });
    }
    expect([...byWorker.keys()].sort()).toEqual([`${instanceId}-0`, `${instanceId}-1`]);

    const [a, b] = [...byWorker.values()];
    const moved = await a.client.request({ type: 'move', dir: 'right' });
    expect(moved).toMatchObject({ type: 'moved', userId: String(a.userId), x: 1, y: 0 });
    // The other worker's client sees it: the event crossed between the workers over the broker.
    await expect(b.client.next((f) => f.type === 'moved' && f.seq === moved.seq, 15_000)).resolves.toMatchObject({
      userId: String(a.userId),
    });
    // And back, a few times in a row: each worker publishes and each reads the other's events, in
    // seq order, its own replies never held back for good behind the other's.
    for (let i = 0; i < 5; i++) {
      const [from, to] = i % 2 === 0 ? [b, a] : [a, b];
      const step = await from.client.request({ type: 'move', dir: i % 4 < 2 ? 'down' : 'up' });
      expect(step).toMatchObject({ type: 'moved', userId: String(from.userId) });
      await expect(to.client.next((f) => f.type === 'moved' && f.seq === step.seq, 15_000)).resolves.toMatchObject({
        userId: String(from.userId),
      });
    }
    for (const c of clients) await c.close();
  });

  it('stops every worker on SIGTERM, each draining as one instance does', async () => {
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor(
      async () =>
        (await Promise.all([0, 1].map((i) => redis.exists(`instance:{${instanceId}-${i}}:lease`)))).every(
          (n) => n === 0,
        ),
      'both leases to be released',
      15_000,
      100,
    );
  });
});
