/**
 * The servers under test, each started as a child process on a free loopback port:
 * - myroom: the built server (`node dist/main.js`) with its own MySQL database and Redis key
 *   prefix, rate limits raised, LOG_LEVEL=warn; both are removed when it stops;
 * - myroom-traced: the same with tracing on (default sampling), exporting over OTLP/HTTP to a
 *   local sink in this process (otlp-sink.ts), to compare with myroom in one run;
 * - gateway: one My Room (as myroom, no broker) behind the same haproxy as the cluster: what the
 *   gateway alone costs, so the cluster's difference from one instance can be split between the
 *   gateway and the second instance with its broker;
 * - cluster: two My Room instances on RabbitMQ fan-out behind haproxy with room affinity, the bots
 *   naming their room in the URL as the shipped clients do;
 * - cluster-spread: the same, the bots naming no room: the gateway spreads each room's players over
 *   both instances (least connections), so most events cross the broker to reach them;
 * - workers: one `WORKERS=2` My Room (two instances on RabbitMQ fan-out sharing one port, no haproxy);
 * - colyseus / socketio / barews / barews-corked: the peers under bench/peers.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { allEventStreams, controlQueueName } from '../../src/fanout/stream-partitions';
import { instanceSessionsKey } from '../../src/state/redis/redis-keys';
import { parseSessionRecords } from '../../src/state/redis/redis-room-reads';
import type { TargetInfo, TargetKind } from './messages';
import { startOtlpSink } from './otlp-sink';

export type TargetName =
  | TargetKind
  | 'myroom-traced'
  | 'myroom-msgpack'
  | 'myroom-batch'
  | 'gateway'
  | 'cluster'
  | 'cluster-spread'
  | 'workers';

const SINGLE_MYROOM = ['myroom', 'myroom-traced', 'myroom-msgpack', 'myroom-batch'] as const;

/** One My Room server, whatever its bots speak (codec, batched frames) or whether it traces. */
export const isSingleMyRoom = (name: string): name is (typeof SINGLE_MYROOM)[number] =>
  (SINGLE_MYROOM as readonly string[]).includes(name);

const MULTI_MYROOM = ['cluster', 'cluster-spread', 'workers'] as const;

/** Two My Room instances on the RabbitMQ fan-out, behind the gateway or sharing one port. */
export const isMultiMyRoom = (name: string): name is (typeof MULTI_MYROOM)[number] =>
  (MULTI_MYROOM as readonly string[]).includes(name);

export const SERVICES = {
  redis: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  mysql: process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
  rabbitmq: process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
};

export const JWT_SECRET = 'bench-secret-0123456789-0123456789-abcdef';

export const LABELS: Record<TargetName, string> = {
  myroom: 'My Room',
  'myroom-traced': 'My Room, tracing on',
  'myroom-msgpack': 'My Room (MessagePack)',
  'myroom-batch': 'My Room (batched frames)',
  gateway: 'My Room behind the gateway (one instance)',
  cluster: 'My Room ×2 (gateway)',
  'cluster-spread': 'My Room ×2 (gateway, no room hint)',
  workers: 'My Room WORKERS=2 (one port)',
  colyseus: 'Colyseus 0.16',
  socketio: 'Socket.IO 4',
  barews: 'bare ws',
  'barews-corked': 'bare ws (corked)',
};

/** Every server, in the order the results list them. */
export const TARGET_ORDER: readonly TargetName[] = [
  'myroom',
  'myroom-traced',
  'myroom-msgpack',
  'myroom-batch',
  'gateway',
  'cluster',
  'cluster-spread',
  'workers',
  'colyseus',
  'socketio',
  'barews',
  'barews-corked',
];

/** The bare peers speak only enter/move/leave: no builds. */
export const BARE: readonly TargetName[] = ['barews', 'barews-corked'];

/** The peers: a script under dist-bench/peers each, and the URL the bots are given for it. */
const PEERS: Partial<Record<TargetName, { script: string; url: (port: number) => string }>> = {
  colyseus: { script: 'colyseus', url: (p) => `http://127.0.0.1:${p}` },
  socketio: { script: 'socketio', url: (p) => `http://127.0.0.1:${p}` },
  barews: { script: 'bare-ws', url: (p) => `ws://127.0.0.1:${p}/ws` },
  'barews-corked': { script: 'bare-ws-corked', url: (p) => `ws://127.0.0.1:${p}/ws` },
};

export interface Running {
  name: TargetName;
  info: TargetInfo;
  /** The server processes whose CPU and memory we report. */
  pids: number[];
  /** Behind haproxy: its process, whose CPU is reported on its own (not as the server's, nor as noise). */
  gatewayPid?: number;
  /** Reads the room's last seq from the server's store, where it keeps one (My Room: Redis). */
  storedSeq?(roomId: string): Promise<number>;
  /** Several My Room instances: how many rooms have players on more than one of them (their events cross the broker). */
  roomSpread?(): Promise<RoomSpread>;
  stop(): Promise<void>;
}

export interface RoomSpread {
  rooms: number;
  /** Rooms whose players are not all on one instance. */
  spanning: number;
  /** Rooms with players on each instance, most first. */
  perInstance: number[];
}

/** Everything started and not yet stopped, so an interrupted run (Ctrl-C) still cleans up. */
const live = new Set<() => Promise<void>>();

export async function stopAllTargets(): Promise<void> {
  await Promise.allSettled([...live].map((stop) => stop()));
}

function tracked(r: Running): Running {
  const stop = r.stop;
  const once = async () => {
    live.delete(once);
    await stop();
  };
  live.add(once);
  return { ...r, stop: once };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const serverNodeArgs = () => (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...extra };
}

/** Until `url` answers 2xx (and its body passes `accept`, when given). */
async function waitHttp(
  url: string,
  child: ChildProcess,
  timeoutMs = 60_000,
  accept: (body: string) => boolean = () => true,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before it was ready`);
    try {
      const res = await fetch(url);
      if (res.ok && accept(await res.text())) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function dropStores(database: string, keyPrefix: string): Promise<void> {
  const url = new URL(SERVICES.mysql);
  const conn = await createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: url.username || 'root',
    password: url.password,
  });
  await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await conn.end();
  const redis = new Redis(SERVICES.redis);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Deletes the run's event streams and its instances' control queues. The partitions are those
 * BENCH_SERVER_ENV sets, else the default; deleting absent ones is harmless, so at least 8 go.
 */
async function deleteBrokerQueues(prefix: string, instances: string[]): Promise<void> {
  const set = /RABBITMQ_STREAM_PARTITIONS=(\d+)/.exec(process.env.BENCH_SERVER_ENV ?? '')?.[1];
  const conn = await amqp.connect(SERVICES.rabbitmq);
  try {
    const ch = await conn.createChannel();
    for (const q of allEventStreams(prefix, Math.max(8, Number(set ?? 1)))) await ch.deleteQueue(q);
    for (const i of instances) await ch.deleteQueue(controlQueueName(prefix, i));
    await ch.close();
  } finally {
    await conn.close();
  }
}

function startMyRoom(
  port: number,
  database: string,
  keyPrefix: string,
  extra: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, [...serverNodeArgs(), process.env.BENCH_MYROOM_MAIN ?? 'dist/main.js'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: baseEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      JWT_SECRET,
      REDIS_URL: SERVICES.redis,
      REDIS_KEY_PREFIX: keyPrefix,
      MYSQL_URL: `${SERVICES.mysql}/${database}`,
      // The bench drives each socket far above the per-socket flood limit of production.
      RATE_LIMIT_PER_SEC: '10000',
      RATE_LIMIT_STRIKES: '10000',
      // e.g. BENCH_SERVER_ENV='RABBITMQ_BATCH_MAX=1 RABBITMQ_BATCH_LINGER_MS=5', to compare settings in one session.
      ...Object.fromEntries(
        (process.env.BENCH_SERVER_ENV ?? '')
          .split(' ')
          .filter(Boolean)
          .map((kv) => kv.split('=') as [string, string]),
      ),
      ...extra,
    }),
  });
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Waits until the WORKERS primary `pid` has `n` workers, and a little longer for the last to listen. */
async function waitWorkers(pid: number, n: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (childPids(pid).length < n) {
    if (Date.now() > until) throw new Error(`only ${childPids(pid).length} of ${n} workers started`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 3000));
}

/** From the sessions each instance registers in Redis (the server's own key layout and record format). */
export async function roomSpread(keyPrefix: string): Promise<RoomSpread> {
  const redis = new Redis(SERVICES.redis);
  try {
    const perInstance: number[] = [];
    const instancesOfRoom = new Map<string, number>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', keyPrefix + instanceSessionsKey('*'), 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const rooms = new Set(parseSessionRecords(await redis.hgetall(key)).map((r) => r.roomId));
        perInstance.push(rooms.size);
        for (const roomId of rooms) instancesOfRoom.set(roomId, (instancesOfRoom.get(roomId) ?? 0) + 1);
      }
    } while (cursor !== '0');
    return {
      rooms: instancesOfRoom.size,
      spanning: [...instancesOfRoom.values()].filter((n) => n > 1).length,
      perInstance: perInstance.sort((a, b) => b - a),
    };
  } finally {
    redis.disconnect();
  }
}

function seqReader(keyPrefix: string) {
  let redis: Redis | undefined;
  return {
    async read(roomId: string) {
      redis ??= new Redis(SERVICES.redis, { keyPrefix });
      return Number((await redis.get(`room:{${roomId}}:seq`)) ?? 0);
    },
    close() {
      redis?.disconnect();
    },
  };
}

export async function startTarget(name: TargetName): Promise<Running> {
  return tracked(await start(name));
}

async function start(name: TargetName): Promise<Running> {
  const peer = PEERS[name];
  if (peer && !isSingleMyRoom(name) && !isMultiMyRoom(name) && name !== 'gateway') {
    const port = await freePort();
    const child = fork(`dist-bench/peers/${peer.script}.js`, [], {
      execArgv: serverNodeArgs(),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: baseEnv({ PORT: String(port), JWT_SECRET }),
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
    });
    return {
      name,
      info: { kind: name, url: peer.url(port), jwtSecret: JWT_SECRET },
      pids: [child.pid!],
      stop: () => stopChild(child),
    };
  }

  const tag = randomBytes(4).toString('hex');
  const database = `mr_bench_${tag}`;
  const keyPrefix = `bench:${tag}:`;
  const seq = seqReader(keyPrefix);

  // myroom-msgpack and myroom-batch: the same server; only their bots differ (`--codec`, `--batch`).
  if (isSingleMyRoom(name)) {
    const port = await freePort();
    const sink = name === 'myroom-traced' ? await startOtlpSink() : undefined;
    // Default sampling (moves at TRACING_MOVE_RATIO's default, the rest always), as deployed.
    const tracing: Record<string, string> = sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {};
    const child = startMyRoom(port, database, keyPrefix, { INSTANCE_ID: `bench-${tag}`, ...tracing });
    const stopAll = async () => {
      seq.close();
      await stopChild(child);
      await dropStores(database, keyPrefix);
      if (sink) {
        const { exports, bytes } = sink.stats();
        console.log(`   trace sink: ${exports} exports, ${Math.round(bytes / 1024)} KiB`);
        await sink.close();
      }
    };
    try {
      await waitHttp(`http://127.0.0.1:${port}/health/ready`, child);
    } catch (err) {
      await stopAll();
      throw err;
    }
    return {
      name,
      info: {
        kind: 'myroom',
        url: `ws://127.0.0.1:${port}/ws`,
        jwtSecret: JWT_SECRET,
        codec: name === 'myroom-msgpack' ? 'msgpack' : 'json',
        batch: name === 'myroom-batch',
      },
      pids: [child.pid!],
      storedSeq: seq.read,
      stop: stopAll,
    };
  }

  if (name === 'workers') {
    const port = await freePort();
    const streamPrefix = `bench.${tag}`;
    const instanceId = `bench-${tag}`;
    const child = startMyRoom(port, database, keyPrefix, {
      RABBITMQ_URL: SERVICES.rabbitmq,
      RABBITMQ_STREAM_PREFIX: streamPrefix,
      INSTANCE_ID: instanceId,
      WORKERS: '2',
    });
    const stop = async () => {
      seq.close();
      await stopChild(child);
      await dropStores(database, keyPrefix);
      await deleteBrokerQueues(
        streamPrefix,
        [0, 1].map((i) => `${instanceId}-${i}`),
      );
    };
    try {
      await waitHttp(`http://127.0.0.1:${port}/health/ready`, child);
      // Ready answers once the first worker serves; the second follows it.
      await waitWorkers(child.pid!, 2);
    } catch (err) {
      await stop();
      throw err;
    }
    return {
      name,
      info: { kind: 'myroom', url: `ws://127.0.0.1:${port}/ws`, jwtSecret: JWT_SECRET },
      // The primary only hands connections over; the workers do the work. All count.
      pids: [child.pid!, ...childPids(child.pid!)],
      storedSeq: seq.read,
      roomSpread: () => roomSpread(keyPrefix),
      stop,
    };
  }

  if (name === 'gateway') {
    const port = await freePort();
    const child = startMyRoom(port, database, keyPrefix, { INSTANCE_ID: `bench-${tag}` });
    let gateway: Gateway | undefined;
    const stopAll = async () => {
      seq.close();
      await gateway?.stop();
      await stopChild(child);
      await dropStores(database, keyPrefix);
    };
    try {
      await waitHttp(`http://127.0.0.1:${port}/health/ready`, child);
      gateway = await startGateway(tag, [port]);
    } catch (err) {
      await stopAll();
      throw err;
    }
    return {
      name,
      info: { kind: 'myroom', url: gateway.url, jwtSecret: JWT_SECRET, roomHint: true },
      pids: [child.pid!],
      gatewayPid: gateway.pid,
      storedSeq: seq.read,
      stop: stopAll,
    };
  }

  // cluster: two instances sharing the stores, RabbitMQ fan-out between them, haproxy in front.
  const fanout = existsSync('dist/fanout')
    ? readdirSync('dist/fanout').filter((f) => /rabbit|amqp/i.test(f) && f.endsWith('.js'))
    : [];
  if (fanout.length === 0) {
    throw new Error(
      'cluster: this build has no RabbitMQ fan-out (dist/fanout holds only the in-process one), so two instances ' +
        "would not see each other's events. Run it on a branch that has the fan-out; no numbers were produced.",
    );
  }
  const ports = [await freePort(), await freePort()];
  // Streams of their own, deleted afterwards, so runs never read each other's events.
  const streamPrefix = `bench.${tag}`;
  const clusterEnv = { RABBITMQ_URL: SERVICES.rabbitmq, RABBITMQ_STREAM_PREFIX: streamPrefix };
  // The first instance migrates and seeds the fresh database; the second starts once it is ready
  // (two processes migrating one empty schema at once would race).
  const children = [startMyRoom(ports[0], database, keyPrefix, { ...clusterEnv, INSTANCE_ID: `bench-${tag}-0` })];
  try {
    await waitHttp(`http://127.0.0.1:${ports[0]}/health/ready`, children[0]);
  } catch (err) {
    await stopChild(children[0]);
    await dropStores(database, keyPrefix);
    throw err;
  }
  children.push(
    startMyRoom(ports[1], database, keyPrefix, {
      ...clusterEnv,
      INSTANCE_ID: `bench-${tag}-1`,
      RUN_MIGRATIONS: 'false',
    }),
  );
  let gateway: Gateway | undefined;
  const stopAll = async () => {
    seq.close();
    await gateway?.stop();
    await Promise.all(children.map((c) => stopChild(c)));
    await dropStores(database, keyPrefix);
    await deleteBrokerQueues(
      streamPrefix,
      [0, 1].map((i) => `bench-${tag}-${i}`),
    );
  };
  try {
    for (const [i, c] of children.entries()) await waitHttp(`http://127.0.0.1:${ports[i]}/health/ready`, c);
    gateway = await startGateway(tag, ports);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    name,
    info: {
      kind: 'myroom',
      url: gateway.url,
      jwtSecret: JWT_SECRET,
      roomHint: name === 'cluster',
    },
    pids: children.map((c) => c.pid!),
    gatewayPid: gateway.pid,
    storedSeq: seq.read,
    roomSpread: () => roomSpread(keyPrefix),
    stop: stopAll,
  };
}

interface Gateway {
  /** Where the bots connect. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** haproxy settings given as `;`-separated lines, indented for their section. */
function settingLines(lines: string | undefined): string[] {
  return (lines ?? '')
    .split(';')
    .filter((line) => line.trim())
    .map((line) => `  ${line.trim()}`);
}

/**
 * haproxy in front of the instances on `ports`, configured as docker/haproxy.cfg balances (least
 * connections, room affinity on `?room=`, readiness checks), and up once every instance is UP.
 */
async function startGateway(tag: string, ports: number[]): Promise<Gateway> {
  const gatewayPort = await freePort();
  const statsPort = await freePort();
  mkdirSync('bench/out', { recursive: true });
  const cfg = join('bench/out', `haproxy-${tag}.cfg`);
  // Not docker/haproxy.cfg: its per-address limits (30 upgrades per 10 s) would stop the bots,
  // which all connect from 127.0.0.1.
  writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 4000', // 2 fds per proxied socket (and 2 more per pipe with splicing): stays under this machine's 20,000 open files
      // Process settings to try, `;`-separated (e.g. `tune.sched.low-latency on`).
      ...settingLines(process.env.BENCH_HAPROXY_GLOBAL),
      'defaults',
      '  mode http',
      '  timeout connect 5s',
      '  timeout client 1h',
      '  timeout server 1h',
      '  timeout tunnel 1h',
      // Gateway settings to try against the defaults, `;`-separated (e.g. `option splice-auto`).
      ...settingLines(process.env.BENCH_HAPROXY_DEFAULTS),
      'frontend stats',
      `  bind 127.0.0.1:${statsPort}`,
      '  stats enable',
      '  stats uri /stats',
      'frontend ws',
      `  bind 127.0.0.1:${gatewayPort}`,
      '  default_backend rooms',
      'backend rooms',
      '  balance leastconn',
      // Room affinity, as docker/haproxy.cfg: the target `cluster` names the room, `cluster-spread` does not.
      '  stick-table type string len 64 size 1m expire 30m',
      '  stick on url_param(room)',
      '  option httpchk GET /health/ready',
      ...ports.map((p, i) => `  server i${i} 127.0.0.1:${p} check inter 1s`),
      '',
    ].join('\n'),
  );
  const haproxy = spawn(process.env.BENCH_HAPROXY ?? '/usr/sbin/haproxy', ['-f', cfg, '-db'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = () => stopChild(haproxy);
  try {
    await waitHttp(`http://127.0.0.1:${gatewayPort}/health/ready`, haproxy);
    // Every instance must be up in haproxy before the bots arrive: with room affinity, rooms whose
    // first player came while an instance was still down would all stay on the other one.
    await waitHttp(`http://127.0.0.1:${statsPort}/stats;csv`, haproxy, 60_000, (csv) => {
      const up = csv.split('\n').filter((row) => /^rooms,i\d+,/.test(row) && row.split(',')[17] === 'UP');
      return up.length === ports.length;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `ws://127.0.0.1:${gatewayPort}/ws`, pid: haproxy.pid!, stop };
}
