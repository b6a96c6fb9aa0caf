import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { eventually } from './room';

/**
 * A redis-server of the test's own on a free port, without persistence: for tests that must
 * flush or restart Redis, which they may never do to the shared one. `stop()` ends it.
 */
export interface PrivateRedis {
  url: string;
  /** A client of this server (the caller disconnects it). */
  client(): Redis;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const client = () => new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  const probe = client();
  probe.on('error', () => undefined);
  try {
    await eventually(async () => expect(await probe.ping()).toBe('PONG'), 10_000, 50);
  } finally {
    probe.disconnect();
  }
  return {
    url,
    client,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
