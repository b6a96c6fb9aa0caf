import { deleteBrokerQueues } from './rabbit';
import { createTestEnv, SERVICES, startTestServer, type TestEnv, type TestServer } from './server';

export interface ServerPair {
  a: TestServer;
  b: TestServer;
  env: TestEnv;
  close(): Promise<void>;
}

/**
 * Two instances in services mode on one database and key prefix, their events fanned out through
 * RabbitMQ streams of their own prefix (removed by `close`).
 */
export async function startServerPair(overrides: Record<string, string> = {}): Promise<ServerPair> {
  const env = await createTestEnv('services');
  const prefix = `t-${env.tag}`;
  const ids = [`a-${env.tag}`, `b-${env.tag}`];
  const common = {
    RABBITMQ_URL: SERVICES.rabbitmq,
    RABBITMQ_STREAM_PREFIX: prefix,
    RABBITMQ_STREAM_PARTITIONS: '2',
    ...overrides,
  };
  const started: TestServer[] = [];
  try {
    for (const id of ids) started.push(await startTestServer({ ...common, INSTANCE_ID: id }, env));
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    await env.dropAll();
    await deleteBrokerQueues(prefix, 2, ids);
    throw err;
  }
  const [a, b] = started;
  return {
    a,
    b,
    env,
    async close() {
      await Promise.all(started.map((s) => s.close()));
      await env.dropAll();
      await deleteBrokerQueues(prefix, 2, ids);
    },
  };
}
