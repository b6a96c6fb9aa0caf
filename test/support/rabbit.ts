import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import { allEventStreams, controlQueueName } from '../../src/fanout/stream-partitions';
import { SERVICES } from './server';

const run = promisify(execFile);

/** Deletes the partition streams and control queues a test created under `prefix`. */
export async function deleteBrokerQueues(prefix: string, partitions: number, instanceIds: string[]): Promise<void> {
  const conn = await amqp.connect(SERVICES.rabbitmq);
  try {
    for (const q of [...allEventStreams(prefix, partitions), ...instanceIds.map((i) => controlQueueName(prefix, i))]) {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      await ch.deleteQueue(q).catch(() => undefined);
      await ch.close().catch(() => undefined);
    }
  } finally {
    await conn.close();
  }
}

export interface BrokerQueue {
  name: string;
  type: string;
  arguments: Record<string, unknown>;
}

/** The broker's own view of the queues whose names start with `prefix` (via rabbitmqctl). */
export async function listBrokerQueues(prefix: string): Promise<BrokerQueue[]> {
  const { stdout } = await run('rabbitmqctl', [
    '-q',
    'list_queues',
    '--formatter',
    'json',
    'name',
    'type',
    'arguments',
  ]);
  const all = JSON.parse(stdout) as { name: string; type: string; arguments: unknown }[];
  return all
    .filter((q) => q.name.startsWith(prefix))
    .map((q) => ({ name: q.name, type: q.type, arguments: normalizeArgs(q.arguments) }));
}

/** rabbitmqctl prints arguments either as an object or as a list of [name, type, value]. */
function normalizeArgs(args: unknown): Record<string, unknown> {
  if (Array.isArray(args)) {
    return Object.fromEntries(
      args.map((a: unknown) => {
        const t = a as unknown[];
        return [String(t[0]), t[t.length - 1]];
      }),
    );
  }
  return (args ?? {}) as Record<string, unknown>;
}

export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 60_000 });
  return stdout;
}
