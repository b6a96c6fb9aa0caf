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
  port: number;
  /** A client of this server (the caller disconnects it). */
  client(): Redis;
  /** SIGKILL of the process, as a crash would; resolves once it is gone and its port closed. */
  kill9(): Promise<void>;
  /**
   * Starts redis-server again on the same port after `kill9()`. Without persistence it comes
   * back empty, as a restarted Redis without AOF or RDB does. Resolves once it answers PING.
   */
  boot(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const client = () => new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  let proc = await launch(port, client);
  const stopped = async (signal: NodeJS.Signals) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  };
  return {
    url,
    port,
    client,
    kill9: () => stopped('SIGKILL'),
    async boot() {
      if (proc.exitCode === null && proc.signalCode === null) throw new Error('redis-server is still running');
      proc = await launch(port, client);
    },
    stop: () => stopped('SIGTERM'),
  };
}

async function launch(port: number, client: () => Redis): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const probe = client();
  probe.on('error', () => undefined);
  try {
    await eventually(async () => expect(await probe.ping()).toBe('PONG'), 10_000, 20);
  } finally {
    probe.disconnect();
  }
  return proc;
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
