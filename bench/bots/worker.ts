/**
 * A bot worker process: holds its share of the bots, and on the parent's word connects them,
 * enters them, or runs one load phase and reports histograms and counters.
 *
 * Moves follow a fixed timetable: at rate r every bot sends one move per 1/r s, and the bots'
 * slots are spread evenly over that period (across workers too), so the server sees a steady
 * stream rather than bursts. The timetable never waits for replies.
 */
import type { BuildOp } from '../../src/client/node';
import { type Adapter, adapterFor } from './adapters';
import { Bot, RoomView, type Stats } from './bot';
import { encodeHist, newHist, recordMs } from '../lib/hist';
import {
  type BotSpec,
  type FromWorker,
  newCounters,
  type PhaseSpec,
  type ToWorker,
  type WorkerReport,
} from '../lib/messages';

let index = 0;
let workers = 1;
let adapter: Adapter;
const bots: Bot[] = [];
const rooms = new Map<string, RoomView>();
let stats = freshStats(0, Infinity);

function freshStats(windowStart: number, windowEnd: number): Stats {
  return {
    mover: newHist(),
    others: newHist(),
    sendLag: newHist(),
    enter: newHist(),
    build: newHist(),
    connect: newHist(),
    c: newCounters(),
    windowStart,
    windowEnd,
  };
}

const send = (m: FromWorker) => process.send!(m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const countError = (key: string) => {
  stats.c.errors[key] = (stats.c.errors[key] ?? 0) + 1;
};
const errCode = (err: unknown) => (err as { code?: string }).code ?? (err as Error).message.slice(0, 40);

function roomOf(id: string): RoomView {
  let r = rooms.get(id);
  if (!r) rooms.set(id, (r = new RoomView(id)));
  return r;
}

function addBot(spec: BotSpec): Bot {
  const room = roomOf(spec.roomId);
  const bot = new Bot(spec.userId, room, spec.owner, () => stats, adapter.moverOf);
  room.bots.push(bot);
  room.localIds.add(spec.userId);
  bots.push(bot);
  return bot;
}

async function connectBot(bot: Bot): Promise<void> {
  const t = performance.now();
  bot.conn = await adapter.connect(bot.userId, bot, bot.room.id);
  recordMs(stats.connect, performance.now() - t);
}

async function enterBot(bot: Bot): Promise<void> {
  const t = performance.now();
  await bot.conn!.enter(bot.room.id);
  recordMs(stats.enter, performance.now() - t);
  stats.c.enters++;
  bot.active = true;
}

/** Runs `fn` over `items`, at most `n` at a time; failures are counted by code. */
async function pool<T>(items: T[], n: number, what: string, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        await fn(item).catch((err) => countError(`${what}:${errCode(err)}`));
      }
    }),
  );
}

function report(cpuSec: number, wallSec: number): WorkerReport {
  const lastSeqByRoom: Record<string, number> = {};
  for (const r of rooms.values()) lastSeqByRoom[r.id] = Math.max(0, ...r.bots.map((b) => b.lastSeq));
  return {
    hists: {
      mover: encodeHist(stats.mover),
      others: encodeHist(stats.others),
      sendLag: encodeHist(stats.sendLag),
      enter: encodeHist(stats.enter),
      build: encodeHist(stats.build),
      connect: encodeHist(stats.connect),
    },
    counters: stats.c,
    cpuSec,
    wallSec,
    rssMb: Math.round(process.memoryUsage().rss / 1048576),
    lastSeqByRoom,
  };
}

async function connectAll(specs: BotSpec[], enter: boolean, concurrency: number, split: string[]): Promise<void> {
  stats = freshStats(0, Infinity);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const added = specs.map(addBot);
  for (const id of split) roomOf(id).split = true;
  // Owners first: on My Room a room exists once its owner has connected.
  const owners = added.filter((b) => b.owner);
  const others = added.filter((b) => !b.owner);
  await pool(owners, concurrency, 'connect', connectBot);
  await pool(others, concurrency, 'connect', connectBot);
  if (enter) {
    await pool(owners, concurrency, 'enter', enterBot);
    await pool(
      others.filter((b) => b.conn),
      concurrency,
      'enter',
      enterBot,
    );
  }
  const cpu = process.cpuUsage(cpu0);
  send({ type: 'done', report: report((cpu.user + cpu.system) / 1e6, (performance.now() - t0) / 1000) });
}

async function storm(specs: BotSpec[], startAt: number, offsets: number[]): Promise<void> {
  stats = freshStats(0, Infinity);
  const cpu0 = process.cpuUsage();
  const base = performance.now() + (startAt - Date.now());
  const arrivals = specs.map(async (spec, i) => {
    const bot = addBot(spec);
    await sleep(Math.max(0, base + offsets[i] - performance.now()));
    const t = performance.now();
    try {
      bot.conn = await adapter.connect(bot.userId, bot, bot.room.id);
      await bot.conn.enter(bot.room.id);
      recordMs(stats.enter, performance.now() - t);
      stats.c.enters++;
      bot.active = true;
    } catch (err) {
      countError(`enter:${errCode(err)}`);
    }
  });
  await Promise.all(arrivals);
  const cpu = process.cpuUsage(cpu0);
  send({ type: 'done', report: report((cpu.user + cpu.system) / 1e6, (performance.now() - base) / 1000) });
}

/** Places a wall on a free cell, or removes one once the room has a few. */
async function buildOnce(owner: Bot): Promise<void> {
  const room = owner.room;
  let ops: BuildOp[];
  if (room.walls.length >= 6 || (room.walls.length > 0 && Math.random() < 0.4)) {
    ops = [{ op: 'remove', objectId: room.walls[(Math.random() * room.walls.length) | 0] }];
  } else {
    let x = 0;
    let y = 0;
    for (let k = 0; k < 20 && ((x === 0 && y === 0) || !room.isFree(x, y)); k++) {
      x = (Math.random() * room.width) | 0;
      y = (Math.random() * room.height) | 0;
    }
    if (!room.isFree(x, y) || (x === 0 && y === 0)) return;
    ops = [{ op: 'place', kind: 'wall', x, y }];
  }
  const t = performance.now();
  try {
    await owner.conn!.build(room.version, ops);
    if (t >= stats.windowStart) {
      recordMs(stats.build, performance.now() - t);
      stats.c.builds++;
    }
  } catch (err) {
    countError(`build:${errCode(err)}`);
  }
}

/** Leave and enter again, timing the enter (the "enter during load" number). */
async function churnOnce(bot: Bot): Promise<void> {
  bot.active = false;
  await sleep(300);
  stats.c.unanswered += bot.dropInFlight();
  try {
    await bot.conn!.leave();
    const t = performance.now();
    await bot.conn!.enter(bot.room.id);
    if (t >= stats.windowStart) {
      recordMs(stats.enter, performance.now() - t);
      stats.c.enters++;
    }
    bot.active = true;
  } catch (err) {
    countError(`enter:${errCode(err)}`);
  }
}

async function run(p: PhaseSpec): Promise<void> {
  const period = 1000 / p.rateHz;
  const t0 = performance.now() + (p.startAt - Date.now());
  const windowStart = t0 + p.warmupMs;
  const windowEnd = windowStart + p.measureMs;
  stats = freshStats(windowStart, windowEnd);
  const walkers = bots.filter((b) => b.conn);
  const n = walkers.length;
  // Bot k of this worker sends at t0 + (k + index/workers) / n · period + cycle · period.
  const phaseOf = (k: number) => ((k + index / workers) / n) * period;
  const timers: NodeJS.Timeout[] = [];
  let cpu0 = process.cpuUsage();
  timers.push(
    setTimeout(
      () => {
        cpu0 = process.cpuUsage();
      },
      Math.max(0, windowStart - performance.now()),
    ),
  );

  await new Promise<void>((resolve) => {
    let k = 0;
    let cycle = 0;
    const tick = () => {
      const now = performance.now();
      let due = t0 + cycle * period + phaseOf(k);
      while (due <= now && due < windowEnd) {
        const bot = walkers[k];
        if (bot.active) bot.step(now, due);
        if (++k === n) {
          k = 0;
          cycle++;
        }
        due = t0 + cycle * period + phaseOf(k);
      }
      if (due >= windowEnd) return resolve();
      setTimeout(tick, Math.max(0, due - performance.now()));
    };
    if (n === 0) return resolve();
    setTimeout(tick, Math.max(0, t0 - performance.now()));

    const owners = walkers.filter((b) => b.owner);
    if (p.buildEveryMs > 0 && owners.length) {
      let o = 0;
      const every = p.buildEveryMs / owners.length;
      const b = setInterval(() => {
        if (owners[o].active) void buildOnce(owners[o]);
        o = (o + 1) % owners.length;
      }, every);
      timers.push(b);
    }
    const guests = walkers.filter((b) => !b.owner);
    if (p.churnPerSec > 0 && guests.length) {
      timers.push(
        setInterval(() => {
          const bot = guests[(Math.random() * guests.length) | 0];
          if (bot.active) void churnOnce(bot);
        }, 1000 / p.churnPerSec),
      );
    }
    timers.push(
      setInterval(() => {
        const now = performance.now();
        for (const r of rooms.values()) r.sweep(now, stats, false);
      }, 200),
    );
  });
  for (const t of timers) clearTimeout(t);
  const cpu = process.cpuUsage(cpu0);
  // Drain: wait for the replies to the window's moves (up to 5 s), then count what never came.
  const drainUntil = performance.now() + 5000;
  while (performance.now() < drainUntil && walkers.some((b) => b.inFlight > 0)) await sleep(50);
  for (const b of walkers) stats.c.unanswered += b.dropInFlight();
  await sleep(300);
  for (const r of rooms.values()) r.sweep(performance.now(), stats, true);
  send({ type: 'done', report: report((cpu.user + cpu.system) / 1e6, p.measureMs / 1000) });
}

process.on('message', (m: ToWorker) => {
  const done = (p: Promise<void>) =>
    p.catch((err: Error) => send({ type: 'fatal', message: err.stack ?? String(err) }));
  switch (m.cmd) {
    case 'init':
      index = m.index;
      workers = m.workers;
      adapter = adapterFor(m.target);
      send({ type: 'ready' });
      return;
    case 'connect':
      void done(connectAll(m.bots, m.enter, m.concurrency, m.split));
      return;
    case 'storm':
      void done(storm(m.bots, m.startAt, m.offsetsMs));
      return;
    case 'run':
      void done(run(m.phase));
      return;
    case 'close':
      for (const b of bots) b.conn?.close();
      setTimeout(() => process.exit(0), 200);
      return;
  }
});

// Forked by the bench tool: go when it goes.
process.on('disconnect', () => process.exit(0));
