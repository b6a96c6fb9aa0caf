/**
 * `npm run soak -- --minutes N [--players 24] [--kill-every 3] [--out bench/results/soak]`
 *
 * Two instances behind HAProxy (the cluster of test/cluster, with its own database, Redis key
 * prefix and streams) and players who walk, chat, build, leave, reconnect and resume; every
 * `--kill-every` minutes one instance is SIGKILLed and started again. Every 10 s it samples each
 * instance's RSS, heap and open file descriptors, the cluster's Redis keys and their memory, and
 * (every minute) the broker queues under its prefix. After a warm-up it fails on growth: RSS
 * slope of the instance that is never killed above 5 MB/h (judged on runs of 10 minutes or more:
 * shorter ones are all warm-up), Redis keys or broker queues growing without bound, or any avatar
 * left once every player has gone (ghosts). Writes <out>.json and <out>.svg.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import Redis from 'ioredis';
import { type Cluster, startCluster } from '../test/cluster/cluster';
import { listBrokerQueues } from '../test/support/rabbit';
import { SERVICES } from '../test/support/server';
import { type SoakSample, soakChartSvg } from './lib/soak-chart';
import { type PlayerCounts, SoakPlayer } from './lib/soak-players';

interface Options {
  minutes: number;
  players: number;
  killEveryMin: number;
  out: string;
}

const ROOMS = ['1', '2', '3', '4'];
const SAMPLE_EVERY_MS = 10_000;
const RSS_SLOPE_LIMIT_MB_H = 5;

function parseArgs(argv: string[]): Options {
  const o: Options = { minutes: 30, players: 24, killEveryMin: 3, out: 'bench/results/soak' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    const value = () => Number(inline ?? argv[++i]);
    if (flag === '--minutes') o.minutes = value();
    else if (flag === '--players') o.players = value();
    else if (flag === '--kill-every') o.killEveryMin = value();
    else if (flag === '--out') o.out = inline ?? argv[++i];
    else throw new Error(`unknown option ${flag}`);
  }
  if (!(o.minutes > 0) || !(o.players >= ROOMS.length && o.players <= 240) || !(o.killEveryMin > 0))
    throw new Error('bad options: --minutes > 0, --players 4-240, --kill-every > 0');
  return o;
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : 0;
}

function metric(text: string, name: string, labels = ''): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*${labels}[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** RssAnon and RssFile of a process in MB, from /proc/<pid>/status (NaN once it is gone). */
function residentKinds(pid: number | undefined): { rssAnonMb: number; rssFileMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { rssAnonMb: kb('RssAnon'), rssFileMb: kb('RssFile') };
  } catch {
    return { rssAnonMb: NaN, rssFileMb: NaN };
  }
}

async function sample(cluster: Cluster, raw: Redis, t: number, withQueues: boolean): Promise<SoakSample> {
  const instances = await Promise.all(
    cluster.instances.map(async (i) => {
      try {
        const text = await (await fetch(`${i.httpUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
        return {
          rssMb: metric(text, 'process_resident_memory_bytes') / 2 ** 20,
          heapMb: metric(text, 'nodejs_heap_size_used_bytes') / 2 ** 20,
          heapTotalMb: metric(text, 'nodejs_heap_size_total_bytes') / 2 ** 20,
          externalMb: metric(text, 'nodejs_external_memory_bytes') / 2 ** 20,
          oldSpaceMb: metric(text, 'nodejs_heap_space_size_total_bytes', 'space="old"') / 2 ** 20,
          ...residentKinds(i.proc.pid),
          fds: metric(text, 'process_open_fds'),
          sessions: metric(text, 'myroom_sessions'),
        };
      } catch {
        // killed, or starting again
        return {
          rssMb: NaN,
          heapMb: NaN,
          heapTotalMb: NaN,
          externalMb: NaN,
          oldSpaceMb: NaN,
          rssAnonMb: NaN,
          rssFileMb: NaN,
          fds: NaN,
          sessions: NaN,
        };
      }
    }),
  );
  const keys: string[] = [];
  for (let cursor = '0'; ;) {
    const [next, batch] = await raw.scan(cursor, 'MATCH', `${cluster.env.keyPrefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
    if (cursor === '0') break;
  }
  const pipe = raw.pipeline();
  for (const k of keys) pipe.memory('USAGE', k);
  const usage = ((await pipe.exec()) ?? []).reduce((sum, [, v]) => sum + (Number(v) || 0), 0);
  const members = (await Promise.all(ROOMS.map((r) => cluster.redis.hlen(`room:{${r}}:members`)))).reduce(
    (a, b) => a + b,
    0,
  );
  const queues = withQueues ? (await listBrokerQueues(cluster.prefix)).length : undefined;
  return { t, instances, keys: keys.length, keysMemMb: usage / 2 ** 20, queues, members };
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const since = () => Math.round((Date.now() - started) / 1000);
  const log = (msg: string) => console.log(`[soak ${String(since()).padStart(5)} s] ${msg}`);
  log(
    `${o.minutes} min, ${o.players} players in ${ROOMS.length} rooms, one instance killed every ${o.killEveryMin} min`,
  );

  // SOAK_NODE_OPTIONS reaches the instances, e.g. --heapsnapshot-signal=SIGUSR2 to compare heaps.
  const cluster = await startCluster(
    2,
    process.env.SOAK_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SOAK_NODE_OPTIONS } : {},
  );
  log(`instances ${cluster.instances.map((i) => `${i.id} pid ${i.proc.pid}`).join(', ')}`);
  const raw = new Redis(SERVICES.redis);
  const counts: PlayerCounts = { requests: 0, replies: {}, reconnects: 0, resumes: 0, noReply: 0 };
  const players = Array.from({ length: o.players }, (_, k) => {
    // Each room's owner plays in it (and builds); the others are spread over the rooms.
    const roomId = ROOMS[k % ROOMS.length];
    const userId = k < ROOMS.length ? roomId : String(100 + k);
    return new SoakPlayer(
      userId,
      roomId,
      cluster.gateway.wsUrl,
      () => cluster.token(userId),
      counts,
      `127.0.0.${10 + k}`,
    );
  });
  const samples: SoakSample[] = [];
  const kills: number[] = [];
  const problems: string[] = [];
  let ghosts = -1;
  try {
    for (const p of players) p.start();
    const endAt = started + o.minutes * 60_000;
    let nextKill = started + o.killEveryMin * 60_000;
    let nextQueues = 0;
    while (Date.now() < endAt) {
      const withQueues = Date.now() >= nextQueues;
      if (withQueues) nextQueues = Date.now() + 60_000;
      const s = await sample(cluster, raw, since(), withQueues);
      samples.push(s);
      log(
        `rss ${s.instances.map((i) => i.rssMb.toFixed(1)).join('/')} MB, heap ${s.instances.map((i) => i.heapMb.toFixed(1)).join('/')} MB, ` +
          `anon/file ${s.instances.map((i) => `${i.rssAnonMb.toFixed(1)}+${i.rssFileMb.toFixed(1)}`).join(' / ')} MB, ` +
          `old space ${s.instances.map((i) => i.oldSpaceMb.toFixed(1)).join('/')} MB, ` +
          `fds ${s.instances.map((i) => i.fds).join('/')}, sessions ${s.instances.map((i) => i.sessions).join('/')}, ` +
          `keys ${s.keys} (${s.keysMemMb.toFixed(2)} MB)${s.queues !== undefined ? `, queues ${s.queues}` : ''}, avatars ${s.members}, requests ${counts.requests}`,
      );
      if (Date.now() >= nextKill && Date.now() < endAt - 30_000) {
        nextKill += o.killEveryMin * 60_000;
        const victim = cluster.instances[1];
        kills.push(since());
        log(`SIGKILL ${victim.id}; starting it again`);
        victim.proc.kill('SIGKILL');
        await cluster.restart(1);
        log(`${victim.id} is back (pid ${cluster.instances[1].proc.pid})`);
      }
      await new Promise((r) =>
        setTimeout(r, Math.max(0, SAMPLE_EVERY_MS - ((Date.now() - started) % SAMPLE_EVERY_MS))),
      );
    }
    await Promise.all(players.map((p) => p.stop()));
    // Every player has gone: once the disconnects are processed no avatar may remain.
    const deadline = Date.now() + 15_000;
    do {
      await new Promise((r) => setTimeout(r, 500));
      ghosts = (await sample(cluster, raw, since(), false)).members;
    } while (ghosts > 0 && Date.now() < deadline);
    samples.push(await sample(cluster, raw, since(), true));
  } finally {
    await Promise.all(players.map((p) => p.stop())).catch(() => undefined);
    raw.disconnect();
    await cluster.stop();
  }

  // Judged after the warm-up: a fifth of the run, at least a minute.
  const warm = Math.max(60, (o.minutes * 60) / 5);
  const after = samples.filter((s) => s.t >= warm);
  const steady = after.filter((s) => Number.isFinite(s.instances[0].rssMb));
  const rssSlope = slope(
    steady.map((s) => s.t / 3600),
    steady.map((s) => s.instances[0].rssMb),
  );
  const heapTotalSlope = slope(
    steady.map((s) => s.t / 3600),
    steady.map((s) => s.instances[0].heapTotalMb),
  );
  const heapSlope = slope(
    steady.map((s) => s.t / 3600),
    steady.map((s) => s.instances[0].heapMb),
  );
  const slopeOf = (pick: (i: SoakSample['instances'][0]) => number) => {
    const known = steady.filter((s) => Number.isFinite(pick(s.instances[0])));
    return slope(
      known.map((s) => s.t / 3600),
      known.map((s) => pick(s.instances[0])),
    );
  };
  const third = Math.max(1, Math.floor(after.length / 3));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const keysEarly = mean(after.slice(0, third).map((s) => s.keys));
  const keysLate = mean(after.slice(-third).map((s) => s.keys));
  const queueCounts = samples.filter((s) => s.queues !== undefined).map((s) => s.queues!);
  const requests = counts.requests;
  const refused = Object.entries(counts.replies)
    .filter(([k]) => k.startsWith('error:'))
    .reduce((a, [, v]) => a + v, 0);

  if (o.minutes >= 10 && rssSlope > RSS_SLOPE_LIMIT_MB_H)
    problems.push(`RSS of the instance never killed grows ${rssSlope.toFixed(1)} MB/h after warm-up`);
  // Keys: rooms, sessions, logs and caches are bounded; allow for churn (who is connected).
  if (keysLate > keysEarly * 1.25 + 20)
    problems.push(`Redis keys grow: ${keysEarly.toFixed(0)} → ${keysLate.toFixed(0)}`);
  if (queueCounts.length > 1 && queueCounts[queueCounts.length - 1] > queueCounts[0])
    problems.push(`broker queues grow: ${queueCounts.join(' → ')}`);
  if (ghosts !== 0) problems.push(`${ghosts} avatars left after every player went (ghosts)`);
  if (requests < o.players * o.minutes * 20) problems.push(`only ${requests} requests: the players were stuck`);

  const summary = {
    minutes: o.minutes,
    players: o.players,
    kills: kills.length,
    requests,
    replies: counts.replies,
    refusedShare: requests ? refused / requests : 0,
    noReply: counts.noReply,
    reconnects: counts.reconnects,
    resumes: counts.resumes,
    warmupSeconds: warm,
    rssSlopeMbPerHour: rssSlope,
    heapSlopeMbPerHour: heapSlope,
    heapTotalSlopeMbPerHour: heapTotalSlope,
    oldSpaceSlopeMbPerHour: slopeOf((i) => i.oldSpaceMb),
    externalSlopeMbPerHour: slopeOf((i) => i.externalMb),
    rssAnonSlopeMbPerHour: slopeOf((i) => i.rssAnonMb),
    rssFileSlopeMbPerHour: slopeOf((i) => i.rssFileMb),
    // What RSS holds beyond the heap V8 has committed: where a native leak (buffers, malloc) would show.
    outsideHeapSlopeMbPerHour: slopeOf((i) => i.rssMb - i.heapTotalMb),
    rssMb: { first: steady[0]?.instances[0].rssMb, last: steady.at(-1)?.instances[0].rssMb },
    keys: { early: keysEarly, late: keysLate },
    queues: queueCounts,
    ghosts,
    problems,
  };
  writeFileSync(`${o.out}.json`, JSON.stringify({ date: new Date().toISOString(), summary, kills, samples }, null, 1));
  writeFileSync(`${o.out}.svg`, soakChartSvg(samples, kills, warm));
  console.log(JSON.stringify(summary, null, 2));
  console.log(problems.length ? `SOAK FAILED: ${problems.join('; ')}` : 'soak passed');
  return problems.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
