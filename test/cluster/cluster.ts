import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Redis from 'ioredis';
import { mintToken } from '../../src/auth/mint';
import { loadConfig } from '../../src/config/config';
import { openDatabase } from '../../src/maps/data-source';
import { seedDemoData } from '../../src/maps/seed';
import { deleteBrokerQueues } from '../support/rabbit';
import { createTestEnv, SERVICES, TEST_JWT_SECRET, testServerEnv, type TestEnv } from '../support/server';

/** The checkout: the nearest directory up with a package.json (from test/cluster, or bundled into dist-bench/ by the soak). */
function checkoutRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}
const ROOT = checkoutRoot();
const MAIN = join(ROOT, 'dist/main.js');
const PARTITIONS = 4;

/**
 * A real multi-instance deployment on this machine: N `node dist/main.js` processes on their own
 * ports, sharing one test database, Redis key prefix and set of streams, and the shipped HAProxy
 * configuration (docker/haproxy.cfg) rewritten to loopback addresses.
 */
export interface Instance {
  index: number;
  id: string;
  port: number;
  httpUrl: string;
  wsUrl: string;
  proc: ChildProcess;
  /** Resolves when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  logTail(lines?: number): string;
}

export interface Gateway {
  port: number;
  statsPort: number;
  wsUrl: string;
  proc: ChildProcess;
  /** Server rows of the `rooms` backend from the HAProxy stats: name → { status, scur }. */
  servers(): Promise<Map<string, { status: string; scur: number }>>;
}

export interface Cluster {
  env: TestEnv;
  prefix: string;
  instances: Instance[];
  gateway: Gateway;
  /** A client of Redis under the cluster's key prefix, to look at the shared state. */
  redis: Redis;
  token(userId: string | number): string;
  readiness(i: Instance): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Starts one more `node dist/main.js` on the cluster's services (not behind the gateway). */
  spawn(index: number, instanceId: string, overrides?: Record<string, string>): Promise<Instance>;
  /**
   * Starts instance `index` again once it exits (after a kill or a drain), with the same INSTANCE_ID
   * and port, so the gateway finds it where it was; resolves once it is ready.
   */
  restart(index: number): Promise<Instance>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `everyMs` until it returns true; fails with `describe()` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function startCluster(count = 3, overrides: Record<string, string> = {}): Promise<Cluster> {
  const env = await createTestEnv();
  const prefix = `t.${env.tag}`;
  const logDir = mkdtempSync(join(tmpdir(), `myroom-cluster-${env.tag}-`));
  const baseEnv = testServerEnv(env, {
    RABBITMQ_URL: SERVICES.rabbitmq,
    RABBITMQ_STREAM_PREFIX: prefix,
    RABBITMQ_STREAM_PARTITIONS: String(PARTITIONS),
    RABBITMQ_STREAM_MAX_AGE: '10m',
    RABBITMQ_STREAM_MAX_BYTES: '50000000',
    RABBITMQ_STREAM_SEGMENT_BYTES: '5000000',
    RUN_MIGRATIONS: 'false',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    // Behind the gateway a drain must stay unready for a while before closing sockets, so
    // HAProxy's checks notice (in-process test servers set this to 0).
    DRAIN_GRACE_MS: '1000',
    ...overrides,
  });

  // Schema and demo data once, before the instances start (they do not migrate concurrently).
  const ds = await openDatabase(loadConfig(baseEnv), true);
  await seedDemoData(ds, 20, 20);
  await ds.destroy();

  const instances: Instance[] = [];
  const extra: Instance[] = [];
  const streams: WriteStream[] = [];
  const redis = new Redis(SERVICES.redis, { keyPrefix: env.keyPrefix });
  let gateway: Gateway | undefined;

  const cluster: Cluster = {
    env,
    prefix,
    instances,
    get gateway() {
      return gateway!;
    },
    redis,
    token: (userId) => mintToken(TEST_JWT_SECRET, { userId: String(userId), name: `user${userId}` }),
    readiness: async (i) => {
      const res = await fetch(`${i.httpUrl}/health/ready`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async spawn(index, id, envOverrides = {}) {
      const port = envOverrides.PORT ? Number(envOverrides.PORT) : await freePort();
      const log = createWriteStream(join(logDir, `${id}-${index}.log`), { flags: 'a' });
      streams.push(log);
      const tail: string[] = [];
      const proc = spawn(process.execPath, [MAIN], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, ...baseEnv, INSTANCE_ID: id, ...envOverrides, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const keep = (chunk: Buffer) => {
        log.write(chunk);
        for (const line of chunk.toString().split('\n')) if (line) tail.push(line);
        if (tail.length > 400) tail.splice(0, tail.length - 400);
      };
      proc.stdout!.on('data', keep);
      proc.stderr!.on('data', keep);
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
        proc.once('exit', (code, signal) => r({ code, signal })),
      );
      const instance: Instance = {
        index,
        id,
        port,
        httpUrl: `http://127.0.0.1:${port}`,
        wsUrl: `ws://127.0.0.1:${port}/ws`,
        proc,
        exited,
        get alive() {
          return proc.exitCode === null && proc.signalCode === null;
        },
        logTail: (lines = 40) => tail.slice(-lines).join('\n'),
      };
      if (index >= count) extra.push(instance);
      return instance;
    },
    async restart(index) {
      const old = instances[index];
      await old.exited;
      const fresh = await cluster.spawn(index, old.id, { PORT: String(old.port) });
      instances[index] = fresh;
      await waitUntilReady(cluster, fresh);
      return fresh;
    },
    async stop() {
      const procs = [...instances.map((i) => i.proc), ...extra.map((i) => i.proc), ...(gateway ? [gateway.proc] : [])];
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await Promise.all(
        procs.map((p) =>
          p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : undefined,
        ),
      );
      for (const s of streams) s.end();
      redis.disconnect();
      await deleteBrokerQueues(
        prefix,
        PARTITIONS,
        instances.map((i) => i.id),
      );
      await env.dropAll();
      if (!process.env.KEEP_CLUSTER_LOGS) rmSync(logDir, { recursive: true, force: true });
      else console.log(`cluster logs kept in ${logDir}`);
    },
  };

  try {
    for (let index = 0; index < count; index++) instances.push(await cluster.spawn(index, `c${env.tag}-${index}`));
    await Promise.all(instances.map((i) => waitUntilReady(cluster, i)));
    gateway = await startGateway(instances, logDir);
    await waitFor(async () => {
      const rows = await gateway!.servers();
      return rows.size === count && [...rows.values()].every((r) => r.status === 'UP');
    }, 'the gateway to see every instance UP');
    return cluster;
  } catch (err) {
    const logs = instances.map((i) => `--- ${i.id}\n${i.logTail()}`).join('\n');
    await cluster.stop().catch(() => undefined);
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}

async function waitUntilReady(cluster: Cluster, i: Instance): Promise<void> {
  await waitFor(
    async () => {
      if (!i.alive) throw new Error(`instance ${i.id} exited during start`);
      try {
        return (await cluster.readiness(i)).status === 200;
      } catch {
        return false;
      }
    },
    `instance ${i.id} to become ready`,
    30_000,
    100,
  );
}

/** docker/haproxy.cfg with loopback binds and one server line per instance. */
export function gatewayConfig(instances: Pick<Instance, 'id' | 'port'>[], port: number, statsPort: number): string {
  const shipped = readFileSync(join(ROOT, 'docker/haproxy.cfg'), 'utf8').split('\n');
  const out: string[] = [];
  let serversWritten = false;
  for (const line of shipped) {
    if (/^\s*bind :8080\b/.test(line)) out.push(`    bind 127.0.0.1:${port}`);
    else if (/^\s*bind :8404\b/.test(line)) out.push(`    bind 127.0.0.1:${statsPort}`);
    else if (/^\s*server\s/.test(line)) {
      if (!serversWritten) for (const i of instances) out.push(`    server ${i.id} 127.0.0.1:${i.port}`);
      serversWritten = true;
    } else out.push(line);
  }
  if (!serversWritten) throw new Error('docker/haproxy.cfg has no server lines to replace');
  return out.join('\n');
}

/** Server rows of the `rooms` backend in the stats of the HAProxy listening on `statsPort`: name → { status, scur }. */
export async function gatewayServers(statsPort: number): Promise<Map<string, { status: string; scur: number }>> {
  const res = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`);
  const [header, ...rows] = (await res.text()).trim().split('\n');
  const cols = header.replace(/^# /, '').split(',');
  const col = (name: string) => cols.indexOf(name);
  const result = new Map<string, { status: string; scur: number }>();
  for (const row of rows) {
    const f = row.split(',');
    if (f[col('pxname')] !== 'rooms' || ['FRONTEND', 'BACKEND'].includes(f[col('svname')])) continue;
    result.set(f[col('svname')], { status: f[col('status')], scur: Number(f[col('scur')]) });
  }
  return result;
}

async function startGateway(instances: Instance[], logDir: string): Promise<Gateway> {
  const port = await freePort();
  const statsPort = await freePort();
  const file = join(logDir, `haproxy-${randomBytes(3).toString('hex')}.cfg`);
  writeFileSync(file, gatewayConfig(instances, port, statsPort));
  const log = createWriteStream(join(logDir, 'haproxy.log'));
  const proc = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  for (const out of [proc.stdout!, proc.stderr!]) {
    out.on('data', (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
  }
  const gateway: Gateway = {
    port,
    statsPort,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    proc,
    servers: () => gatewayServers(statsPort),
  };
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`haproxy exited with ${proc.exitCode}:\n${tail}`);
    try {
      return (await fetch(`http://127.0.0.1:${port}/gateway/health`)).status === 200;
    } catch {
      return false;
    }
  }, 'haproxy to listen');
  return gateway;
}
