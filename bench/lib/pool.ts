/**
 * The parent's side of the bot workers: forks them, hands each its bots, runs phases on all of
 * them at once, and merges what they report (histograms are added, counters summed) together with
 * the server's CPU and memory over the same window.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { type LatencySummary, mergeHists, summarize } from './hist';
import {
  type BotSpec,
  type Counters,
  type FromWorker,
  newCounters,
  type PhaseSpec,
  type ToWorker,
  type WorkerReport,
} from './messages';
import { cpuSeconds, machineBusySeconds, Sampler, servicePid } from './proc';
import { isMultiMyRoom, type Running, SERVICES } from './targets';

export interface Merged {
  mover: LatencySummary;
  others: LatencySummary;
  sendLag: LatencySummary;
  enter: LatencySummary;
  build: LatencySummary;
  connect: LatencySummary;
  counters: Counters;
  /** CPU as % of one core over the window. */
  botCpuPct: number;
  botRssMb: number;
  lastSeqByRoom: Record<string, number>;
}

export interface ServerUsage {
  cpuPct: number;
  peakRssMb: number;
  /** My Room only: the Redis and MariaDB servers it uses (shared services of the machine). */
  redisCpuPct?: number;
  mariadbCpuPct?: number;
  /** Two-instance targets only: the RabbitMQ node (beam.smp) carrying the fan-out. */
  brokerCpuPct?: number;
  /** Targets behind haproxy only: the gateway relaying every frame. */
  gatewayCpuPct?: number;
  /** Everything the machine was busy with in the window, % of one core (200 % = both cores saturated). */
  machineCpuPct: number;
}

export interface PhaseResult extends Merged {
  rateHz: number;
  players: number;
  offeredPerSec: number;
  sentPerSec: number;
  acceptedPerSec: number;
  deliveriesPerSec: number;
  server: ServerUsage;
  /** CPU of everything else on the machine during the window (other people's jobs): noise. */
  otherCpuPct: number;
  seconds: number;
}

const pct = (sec: number, wall: number) => Math.round((sec / wall) * 1000) / 10;

export class BotPool {
  private readonly workers: ChildProcess[] = [];

  private constructor(private readonly target: Running) {}

  static async start(target: Running, n: number): Promise<BotPool> {
    const pool = new BotPool(target);
    for (let i = 0; i < n; i++) {
      const child = fork('dist-bench/bots/worker.js', [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      pool.workers.push(child);
    }
    await pool.all((i) => ({ cmd: 'init', index: i, workers: n, target: target.info }), 'ready');
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  private all(msg: (i: number) => ToWorker, expect: 'ready'): Promise<void>;
  private all(msg: (i: number) => ToWorker, expect: 'done'): Promise<WorkerReport[]>;
  private all(msg: (i: number) => ToWorker, expect: 'ready' | 'done'): Promise<void | WorkerReport[]> {
    return Promise.all(
      this.workers.map(
        (w, i) =>
          new Promise<WorkerReport | undefined>((resolve, reject) => {
            const onMessage = (m: FromWorker) => {
              if (m.type === 'fatal') return done(() => reject(new Error(`bot worker ${i}: ${m.message}`)));
              if (m.type === expect) done(() => resolve(m.type === 'done' ? m.report : undefined));
            };
            const onExit = (code: number) => done(() => reject(new Error(`bot worker ${i} exited (${code})`)));
            const done = (f: () => void) => {
              w.off('message', onMessage);
              w.off('exit', onExit);
              f();
            };
            w.on('message', onMessage);
            w.on('exit', onExit);
            w.send(msg(i));
          }),
      ),
    ).then((r) => (expect === 'done' ? (r as WorkerReport[]) : undefined));
  }

  /** Connects (and maybe enters) `bots`; `workerOf` says which worker holds each. */
  async connect(
    bots: BotSpec[],
    workerOf: (b: BotSpec, i: number) => number,
    enter: boolean,
    split: string[] = [],
  ): Promise<Merged> {
    const parts = this.partition(bots, workerOf);
    return merge(await this.all((i) => ({ cmd: 'connect', bots: parts[i], enter, concurrency: 25, split }), 'done'));
  }

  async storm(
    bots: BotSpec[],
    workerOf: (b: BotSpec, i: number) => number,
    spreadMs: number,
  ): Promise<{ merged: Merged; server: ServerUsage }> {
    const startAt = Date.now() + 1000;
    const offsets = new Map(bots.map((b, i) => [b, (i / bots.length) * spreadMs]));
    const parts = this.partition(bots, workerOf);
    const sampler = this.sampler();
    const timer = setTimeout(() => sampler.start(), 1000);
    const reports = await this.all(
      (i) => ({ cmd: 'storm', bots: parts[i], startAt, offsetsMs: parts[i].map((b) => offsets.get(b)!) }),
      'done',
    );
    clearTimeout(timer);
    return { merged: merge(reports), server: sampler.stop() };
  }

  /** One load phase on every worker at once; prints progress while it runs. */
  async run(
    phase: Omit<PhaseSpec, 'startAt' | 'churnPerSec'> & { churnPerSec: number },
    players: number,
    label: string,
  ): Promise<PhaseResult> {
    const startAt = Date.now() + 500;
    const spec: PhaseSpec = { ...phase, startAt, churnPerSec: phase.churnPerSec / this.workers.length };
    const sampler = this.sampler();
    const windowStartIn = startAt - Date.now() + phase.warmupMs;
    const t0 = Date.now();
    const startTimer = setTimeout(() => sampler.start(), windowStartIn);
    let usage: ServerUsage | undefined;
    const stopTimer = setTimeout(() => {
      usage = sampler.stop();
    }, windowStartIn + phase.measureMs);
    const progress = setInterval(() => {
      process.stdout.write(
        `\r  ${label}: ${((Date.now() - t0) / 1000).toFixed(0)} s / ${((phase.warmupMs + phase.measureMs) / 1000).toFixed(0)} s   `,
      );
    }, 1000);
    try {
      const reports = await this.all(() => ({ cmd: 'run', phase: spec }), 'done');
      usage ??= sampler.stop();
      const m = merge(reports);
      const secs = phase.measureMs / 1000;
      return {
        ...m,
        rateHz: phase.rateHz,
        players,
        offeredPerSec: Math.round(players * phase.rateHz),
        sentPerSec: Math.round(m.counters.sent / secs),
        acceptedPerSec: Math.round(m.counters.accepted / secs),
        deliveriesPerSec: Math.round(m.counters.deliveries / secs),
        server: usage,
        otherCpuPct: Math.max(
          0,
          Math.round(
            usage.machineCpuPct -
              usage.cpuPct -
              (usage.redisCpuPct ?? 0) -
              (usage.mariadbCpuPct ?? 0) -
              (usage.brokerCpuPct ?? 0) -
              (usage.gatewayCpuPct ?? 0) -
              m.botCpuPct,
          ),
        ),
        seconds: secs,
      };
    } finally {
      clearTimeout(startTimer);
      clearTimeout(stopTimer);
      clearInterval(progress);
      process.stdout.write('\r');
    }
  }

  /**
   * Waits (up to `maxMs`) until the machine is quiet: less than `maxPct` % of a core busy with
   * anything but the server, its services and our bots. Returns the last reading.
   */
  async waitQuiet(maxMs = 15_000, maxPct = 15): Promise<number> {
    const ours = [
      ...this.target.pids,
      ...(this.target.gatewayPid ? [this.target.gatewayPid] : []),
      ...this.workers.map((w) => w.pid!),
      process.pid,
      servicePid(SERVICES.redis, 6379, 'redis-server'),
      servicePid(SERVICES.mysql, 3306, 'mariadbd'),
    ];
    const until = Date.now() + maxMs;
    let other = 0;
    let said = false;
    for (;;) {
      const m0 = machineBusySeconds();
      const o0 = ours.map(cpuSeconds);
      await new Promise((r) => setTimeout(r, 1000));
      const own = ours.reduce((s, p, i) => s + cpuSeconds(p) - o0[i], 0);
      other = Math.max(0, Math.round((machineBusySeconds() - m0 - own) * 100));
      if (other < maxPct || Date.now() > until) return other;
      if (!said)
        process.stdout.write(`  (waiting for the machine to quiet down: ${other} % of a core busy elsewhere)\n`);
      said = true;
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null) return resolve();
            const timer = setTimeout(() => w.kill('SIGKILL'), 5000);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            w.send({ cmd: 'close' } satisfies ToWorker);
          }),
      ),
    );
  }

  private partition(bots: BotSpec[], workerOf: (b: BotSpec, i: number) => number): BotSpec[][] {
    const parts: BotSpec[][] = this.workers.map(() => []);
    bots.forEach((b, i) => parts[workerOf(b, i) % this.workers.length].push(b));
    return parts;
  }

  /** Samples the server processes, and for My Room the Redis and MariaDB it uses. */
  private sampler(): { start(): void; stop(): ServerUsage } {
    const services =
      this.target.info.kind === 'myroom'
        ? [servicePid(SERVICES.redis, 6379, 'redis-server'), servicePid(SERVICES.mysql, 3306, 'mariadbd')]
        : [];
    if (isMultiMyRoom(this.target.name)) services.push(servicePid(SERVICES.rabbitmq, 5672, 'beam.smp'));
    const server = new Sampler(this.target.pids);
    const others = new Sampler(services);
    const gateway = this.target.gatewayPid ? new Sampler([this.target.gatewayPid]) : undefined;
    let busy0 = 0;
    return {
      start() {
        server.start();
        others.start();
        gateway?.start();
        busy0 = machineBusySeconds();
      },
      stop() {
        const s = server.stop();
        const o = others.stop();
        const usage: ServerUsage = {
          cpuPct: pct(
            s.cpuSec.reduce((a, b) => a + b, 0),
            s.wallSec,
          ),
          peakRssMb: s.peakRssMb,
          machineCpuPct: pct(machineBusySeconds() - busy0, s.wallSec),
        };
        if (services.length) {
          usage.redisCpuPct = pct(o.cpuSec[0], o.wallSec);
          usage.mariadbCpuPct = pct(o.cpuSec[1], o.wallSec);
        }
        if (services.length > 2) usage.brokerCpuPct = pct(o.cpuSec[2], o.wallSec);
        if (gateway) {
          const g = gateway.stop();
          usage.gatewayCpuPct = pct(g.cpuSec[0], g.wallSec);
        }
        return usage;
      },
    };
  }
}

/**
 * The process of a service the servers use: the one listening on its URL's port, else (not found
 * there, e.g. not on this host) the first process of that name; -1 when there is none.
 */
function merge(reports: WorkerReport[]): Merged {
  const counters = newCounters();
  for (const r of reports) {
    for (const [k, v] of Object.entries(r.counters)) {
      if (k === 'errors') continue;
      (counters as unknown as Record<string, number>)[k] += v as number;
    }
    for (const [code, n] of Object.entries(r.counters.errors)) counters.errors[code] = (counters.errors[code] ?? 0) + n;
  }
  const h = (k: keyof WorkerReport['hists']) => summarize(mergeHists(reports.map((r) => r.hists[k])));
  const lastSeqByRoom: Record<string, number> = {};
  for (const r of reports)
    for (const [room, seq] of Object.entries(r.lastSeqByRoom))
      lastSeqByRoom[room] = Math.max(lastSeqByRoom[room] ?? 0, seq);
  const wall = Math.max(...reports.map((r) => r.wallSec), 0.001);
  return {
    mover: h('mover'),
    others: h('others'),
    sendLag: h('sendLag'),
    enter: h('enter'),
    build: h('build'),
    connect: h('connect'),
    counters,
    botCpuPct: pct(
      reports.reduce((s, r) => s + r.cpuSec, 0),
      wall,
    ),
    botRssMb: reports.reduce((s, r) => s + r.rssMb, 0),
    lastSeqByRoom,
  };
}
