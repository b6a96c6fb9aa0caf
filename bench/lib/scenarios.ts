/**
 * The scenarios of the benchmark. Each one runs against every server in `targets`, one server at
 * a time (so they never compete for the 2 cores), through the same bots.
 */
import { BotPool, type Merged, type PhaseResult, type ServerUsage } from './pool';
import { rssMb } from './proc';
import type { BotSpec } from './messages';
import { BARE, isMultiMyRoom, LABELS, type RoomSpread, type Running, startTarget, type TargetName } from './targets';

export interface Options {
  targets: TargetName[];
  workers: number;
  /** Length of one measured step of a ramp (after a 2 s warm-up). */
  stepSeconds: number;
  /** Overrides the rates of a ramp (e.g. to look at one point). */
  rates?: number[];
  /** Runs the scenario this many times, every server once a round, and keeps each server's median round. */
  rounds?: number;
}

export interface TargetResult {
  label: string;
  /** When this server's part was run (servers may be re-run alone with --targets). */
  date?: string;
  error?: string;
  steps?: PhaseResult[];
  /** Highest rate per player whose step met the bar (p99 ≤ 100 ms, ≥ 95 % of moves accepted). */
  highestSustainableHz?: number;
  /** With `--rounds N`: each round's ceiling, in round order (null: no step passed); the steps are the median round's. */
  roundCeilingsHz?: (number | null)[];
  /**
   * With `--rounds N`: each round's p50 / p99 to the other players at 1 Hz, in round order (null:
   * that round has no 1 Hz step), so latencies are compared round by round, not across rounds.
   */
  roundOthersAt1Hz?: ({ p50: number; p99: number } | null)[];
  /** My Room: the last seq the bots saw equals the one stored in Redis, for every room. */
  persisted?: { rooms: number; matching: number };
  /** Several instances: rooms with players on more than one, once every bot had entered. */
  spread?: RoomSpread;
  storm?: { arrivals: number; merged: Merged; server: ServerUsage; spreadSeconds: number };
  idle?: { baseRssMb: number; points: { connections: number; rssMb: number; perConnKb: number }[]; botRssMb: number };
}

export interface ScenarioResult {
  scenario: string;
  description: string;
  date: string;
  targets: Partial<Record<TargetName, TargetResult>>;
}

export const P99_BAR_MS = 100;
const WARMUP_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `rooms` × `perRoom` bots; a room's id is its owner's user id (bot 0 of the room). */
export function roomBots(rooms: number, perRoom: number, from = 0, tag = 'u'): BotSpec[] {
  const bots: BotSpec[] = [];
  for (let r = 0; r < rooms; r++) {
    const roomId = `r${r}${tag}0`;
    for (let i = from; i < from + perRoom; i++)
      bots.push({ userId: `r${r}${tag}${i}`, roomId, owner: i === 0 && tag === 'u' });
  }
  return bots;
}

/** Bots of one room stay in one worker, so latency to the others is timed for every delivery. */
const byRoom = (b: BotSpec) => Number(/^r(\d+)/.exec(b.roomId)![1]);
const byIndex = (_b: BotSpec, i: number) => i;

export const sustainable = (s: PhaseResult) =>
  Math.max(s.mover.p99, s.others.p99) <= P99_BAR_MS &&
  s.counters.accepted >= 0.95 * s.counters.sent &&
  s.counters.sent > 0;

function line(s: PhaseResult): string {
  const k = (n: number) => (n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n));
  return (
    `${String(s.rateHz).padStart(4)} Hz: ${k(s.acceptedPerSec)}/${k(s.offeredPerSec)} moves/s, ${k(s.deliveriesPerSec)} deliveries/s, ` +
    `p50/p99 mover ${s.mover.p50}/${s.mover.p99} ms, others ${s.others.p50}/${s.others.p99} ms, ` +
    `server ${s.server.cpuPct}% CPU${s.server.redisCpuPct !== undefined ? ` (+redis ${s.server.redisCpuPct}%)` : ''}` +
    (s.server.brokerCpuPct !== undefined
      ? `, broker ${s.server.brokerCpuPct}% (${brokerMicrosPerEvent(s)} µs/event)`
      : '') +
    (s.server.gatewayCpuPct !== undefined ? `, haproxy ${s.server.gatewayCpuPct}%` : '') +
    `, bots ${s.botCpuPct}%, other jobs ${s.otherCpuPct}%` +
    (s.counters.gaps ? `, ${s.counters.gaps} seq gaps` : '') +
    (Object.keys(s.counters.errors).length ? `, errors ${JSON.stringify(s.counters.errors)}` : '')
  );
}

/** RabbitMQ CPU per room event (moves accepted; builds and enters are a rounding error beside them). */
export const brokerMicrosPerEvent = (s: PhaseResult) =>
  s.acceptedPerSec > 0 ? Math.round((((s.server.brokerCpuPct ?? 0) / 100) * 1e6) / s.acceptedPerSec) : 0;

async function withTarget(
  name: TargetName,
  workers: number,
  fn: (t: Running, pool: BotPool) => Promise<TargetResult>,
): Promise<TargetResult> {
  console.log(`\n== ${LABELS[name]}`);
  let target: Running | undefined;
  let pool: BotPool | undefined;
  try {
    target = await startTarget(name);
    pool = await BotPool.start(target, workers);
    return await fn(target, pool);
  } catch (err) {
    console.log(`  failed: ${(err as Error).message}`);
    return { label: LABELS[name], error: (err as Error).message };
  } finally {
    await pool?.close();
    await target?.stop();
  }
}

async function checkPersisted(
  target: Running,
  lastSeqByRoom: Record<string, number>,
): Promise<TargetResult['persisted']> {
  if (!target.storedSeq) return undefined;
  await sleep(500);
  let matching = 0;
  const rooms = Object.keys(lastSeqByRoom);
  for (const r of rooms) if ((await target.storedSeq(r)) === lastSeqByRoom[r]) matching++;
  return { rooms: rooms.length, matching };
}

interface RampSpec {
  rooms: number;
  perRoom: number;
  rates: number[];
  buildEveryMs: number;
  churnPerSec: number;
  split: boolean;
  /** Always measure up to this rate, then go on only while the bar is met. */
  mustReach: number;
}

/** Highest rate whose step, and every step at a lower rate, met the bar. */
export function highestSustainable(steps: PhaseResult[]): number | undefined {
  let highest: number | undefined;
  for (const s of [...steps].sort((a, b) => a.rateHz - b.rateHz)) {
    if (!sustainable(s)) break;
    highest = s.rateHz;
  }
  return highest;
}

/** How finely the ceiling is pinned: the ramp bisects between its last pass and first failure down to this. */
export const CEILING_RESOLUTION_HZ = 0.25;

/**
 * The next rate worth a look between the highest rate that met the bar and the lowest that did not
 * (bisection on a 0.25 Hz grid), or undefined once they are within CEILING_RESOLUTION_HZ (or there
 * was no pass below the failure to bisect from). A 1 Hz ladder alone only guesses the ceiling.
 */
export function nextBisection(ok: number | undefined, failed: number): number | undefined {
  if (ok === undefined || failed - ok <= CEILING_RESOLUTION_HZ) return undefined;
  const mid = Math.round((ok + failed) / 2 / CEILING_RESOLUTION_HZ) * CEILING_RESOLUTION_HZ;
  return mid > ok && mid < failed ? mid : undefined;
}

async function ramp(name: TargetName, o: Options, spec: RampSpec): Promise<TargetResult> {
  return withTarget(name, o.workers, async (target, pool) => {
    const bots = roomBots(spec.rooms, spec.perRoom);
    const players = bots.length;
    const c = await pool.connect(
      bots,
      spec.split ? byIndex : byRoom,
      true,
      spec.split ? [...new Set(bots.map((b) => b.roomId))] : [],
    );
    console.log(
      `  ${c.counters.enters} bots entered ${spec.rooms} room(s); connect p99 ${c.connect.p99} ms, enter p99 ${c.enter.p99} ms` +
        (Object.keys(c.counters.errors).length ? `, errors ${JSON.stringify(c.counters.errors)}` : ''),
    );
    if (c.counters.enters < players) throw new Error(`only ${c.counters.enters} of ${players} bots could enter`);
    const spread = await target.roomSpread?.();
    if (spread) {
      console.log(
        `  rooms with players on more than one instance: ${spread.spanning} of ${spread.rooms}; rooms per instance ${spread.perInstance.join(' / ')}`,
      );
    }
    const steps: PhaseResult[] = [];
    const runStep = async (rateHz: number): Promise<PhaseResult> => {
      let s: PhaseResult;
      // This box is shared: a step disturbed by other jobs (> 20 % of a core) is run once more.
      for (let attempt = 1; ; attempt++) {
        await pool.waitQuiet();
        s = await pool.run(
          {
            rateHz,
            warmupMs: WARMUP_MS,
            measureMs: o.stepSeconds * 1000,
            buildEveryMs: BARE.includes(name) ? 0 : spec.buildEveryMs,
            churnPerSec: spec.churnPerSec,
          },
          players,
          `${rateHz} Hz`,
        );
        if (s.otherCpuPct <= 20 || attempt === 2) break;
        console.log(`  (again: other jobs took ${s.otherCpuPct} % of a core during that step)`);
        await sleep(1500);
      }
      steps.push(s);
      console.log(`  ${sustainable(s) ? 'ok  ' : 'FAIL'} ${line(s)}`);
      await sleep(1500);
      return s;
    };
    const collapsed = (s: PhaseResult) => Math.max(s.mover.p99, s.others.p99) > 3000;
    let failedAt: number | undefined;
    for (const rateHz of o.rates ?? spec.rates) {
      const s = await runStep(rateHz);
      if (collapsed(s) || (!sustainable(s) && rateHz >= spec.mustReach)) {
        failedAt = rateHz;
        break;
      }
    }
    // The default ladder then bisects towards the ceiling; --rates is taken as given.
    if (o.rates === undefined && failedAt !== undefined) {
      let okAt = highestSustainable(steps);
      for (let mid = nextBisection(okAt, failedAt); mid !== undefined; mid = nextBisection(okAt, failedAt)) {
        // A ladder that failed below mustReach and passed above may already hold this rate.
        const s = steps.find((x) => x.rateHz === mid) ?? (await runStep(mid));
        if (sustainable(s)) okAt = mid;
        else failedAt = mid;
      }
    }
    const persisted = await checkPersisted(target, steps.at(-1)?.lastSeqByRoom ?? {});
    steps.sort((a, b) => a.rateHz - b.rateHz);
    return { label: LABELS[name], steps, highestSustainableHz: highestSustainable(steps), persisted, spread };
  });
}

export const SCENARIOS: Record<string, { description: string; run(o: Options): Promise<ScenarioResult['targets']> }> = {
  rooms: {
    description:
      '50 rooms × 20 players (1,000 bots). Every bot moves at the given rate; each owner builds every 5 s; 5 leave-and-enter cycles per second. The rate ramps in 1 Hz steps until p99 passes 100 ms (always measured up to 5 Hz), then bisects between the last pass and that failure until the ceiling is pinned to 0.25 Hz.',
    run: (o) =>
      each(o, (t) =>
        ramp(t, o, {
          rooms: 50,
          perRoom: 20,
          rates: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
          buildEveryMs: 5000,
          churnPerSec: 5,
          split: false,
          mustReach: 5,
        }),
      ),
  },
  cluster: {
    description:
      'The rooms scenario on 2 My Room instances on RabbitMQ fan-out: through haproxy (cluster), and as one WORKERS=2 command on one port (workers). `--targets myroom,gateway,cluster,workers` adds the single instance, alone and behind the same haproxy, to the same run.',
    run: (o) =>
      each({ ...o, targets: clusterTargets(o.targets) }, (t) =>
        ramp(t, o, {
          rooms: 50,
          perRoom: 20,
          rates: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
          buildEveryMs: 5000,
          churnPerSec: 5,
          split: false,
          mustReach: 5,
        }),
      ),
  },
  crowd: {
    description:
      'One room of 200 players (each move reaches 200 sockets); the rate ramps like rooms. Its bots are split over the workers, so latency to others is timed for movers in the same worker.',
    run: (o) =>
      each(o, (t) =>
        ramp(t, o, {
          rooms: 1,
          perRoom: 200,
          rates: [0.5, 1, 2, 3, 4, 5],
          buildEveryMs: 5000,
          churnPerSec: 1,
          split: true,
          mustReach: 2,
        }),
      ),
  },
  'build-under-load': {
    description:
      '50 rooms × 20 players at 2 moves/s each, every owner building once a second (50 builds/s). The bare-ws peers have no builds and are left out.',
    run: (o) =>
      each({ ...o, targets: o.targets.filter((t) => !BARE.includes(t)) }, (t) =>
        ramp(
          t,
          { ...o, stepSeconds: Math.round(o.stepSeconds * 1.5) },
          {
            rooms: 50,
            perRoom: 20,
            rates: [2],
            buildEveryMs: 1000,
            churnPerSec: 0,
            split: false,
            mustReach: 2,
          },
        ),
      ),
  },
  'enter-storm': {
    description:
      '1,000 players arrive evenly over 10 s into 50 rooms whose owners are already in. An arrival is a new connection (handshake with auth) plus its enter, timed until the welcome.',
    run: (o) =>
      each(o, (t) =>
        withTarget(t, o.workers, async (_target, pool) => {
          await pool.connect(roomBots(50, 1), byRoom, true);
          await pool.waitQuiet();
          const arrivals = roomBots(50, 20, 1);
          const { merged, server } = await pool.storm(arrivals, byRoom, 10_000);
          console.log(
            `  ${merged.counters.enters}/${arrivals.length} arrived; p50/p99 ${merged.enter.p50}/${merged.enter.p99} ms, max ${merged.enter.max} ms; server ${server.cpuPct}% CPU` +
              (Object.keys(merged.counters.errors).length ? `, errors ${JSON.stringify(merged.counters.errors)}` : ''),
          );
          return { label: LABELS[t], storm: { arrivals: arrivals.length, merged, server, spreadSeconds: 10 } };
        }),
      ),
  },
  idle: {
    description:
      'Connected players sitting in 50 rooms, not moving: server RSS over its own baseline at 1,000 and 5,000 connections.',
    run: (o) =>
      each(o, (t) =>
        withTarget(t, o.workers, async (target, pool) => {
          const rss = () => target.pids.reduce((s, p) => s + rssMb(p), 0);
          await pool.waitQuiet();
          const baseRssMb = rss();
          const points: NonNullable<TargetResult['idle']>['points'] = [];
          let botRssMb = 0;
          for (const [connections, bots] of [
            [1000, roomBots(50, 20)],
            [5000, roomBots(50, 80, 20)],
          ] as const) {
            const c = await pool.connect(
              bots.map((b) => ({ ...b })),
              byRoom,
              true,
            );
            botRssMb = c.botRssMb;
            await sleep(3000);
            const now = rss();
            points.push({
              connections,
              rssMb: Math.round(now * 10) / 10,
              perConnKb: Math.round((((now - baseRssMb) * 1024) / connections) * 10) / 10,
            });
            console.log(
              `  ${connections} connections: RSS ${now.toFixed(1)} MB (base ${baseRssMb.toFixed(1)} MB) → ${points.at(-1)!.perConnKb} KB per connection` +
                (Object.keys(c.counters.errors).length ? `, errors ${JSON.stringify(c.counters.errors)}` : ''),
            );
          }
          return { label: LABELS[t], idle: { baseRssMb: Math.round(baseRssMb * 10) / 10, points, botRssMb } };
        }),
      ),
  },
};

/**
 * The cluster scenario's servers: those asked for among the two-instance variants, the single
 * instance and the single instance behind the gateway; both two-instance variants when neither a
 * two-instance variant nor the gateway is asked for (the default target list names the others).
 */
export function clusterTargets(asked: TargetName[]): TargetName[] {
  const ours = (t: TargetName) => t === 'myroom' || t === 'gateway' || isMultiMyRoom(t);
  return asked.some((t) => t === 'gateway' || isMultiMyRoom(t)) ? asked.filter(ours) : ['cluster', 'workers'];
}

async function each(o: Options, fn: (t: TargetName) => Promise<TargetResult>): Promise<ScenarioResult['targets']> {
  const out: ScenarioResult['targets'] = {};
  for (const t of o.targets) out[t] = await fn(t);
  return out;
}
