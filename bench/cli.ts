/**
 * `npm run bench -- <scenario> [--targets myroom,myroom-traced,gateway,cluster,cluster-spread,workers,colyseus,socketio,barews,barews-corked] [--workers 2] [--step 8] [--rates 1,2,5] [--batch] [--codec json,msgpack] [--rounds 3]`
 *
 * `--batch`: My Room runs twice, its bots taking one frame per event and then batched frames
 * (subprotocol myroom.v1.batch, target `myroom-batch`); RESULTS.md then compares both modes.
 * `--codec json,msgpack`: the single My Room runs once per codec listed, its bots speaking that
 * codec (target `myroom-msgpack` is My Room with MessagePack bots); RESULTS.md then compares
 * bytes and server CPU per delivery. E.g. `npm run bench -- rooms --targets myroom --codec json,msgpack`.
 * `--rounds N`: the scenario runs N times, the servers taking turns within each round; each server
 * keeps its median round by ceiling, and RESULTS.md lists every round's ceiling (lib/rounds.ts).
 *
 * Scenarios: rooms, crowd, build-under-load, enter-storm, idle, cluster, all (every one of them),
 * smoke (10 s against My Room only; exits non-zero unless the results are sane; writes no
 * RESULTS.md), calibrate (one 15 s step of the corked bare-ws peer at 1 Hz, set against the
 * same step of the stored rooms run: is this box as fast as the one RESULTS.md was measured on?
 * Writes no RESULTS.md), and report (only regenerates RESULTS.md from bench/results/*.json). Each scenario starts its own servers, runs, stops them, saves
 * bench/results/<scenario>.json and regenerates bench/RESULTS.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  CALIBRATION_RATE_HZ,
  CALIBRATION_TARGET,
  compareSpeed,
  describeComparison,
  referenceSpeed,
  speedOf,
} from './lib/calibration';
import { BotPool } from './lib/pool';
import { describeMachine } from './lib/machine';
import { medianRound } from './lib/rounds';
import { type StoredResult, writeReport } from './lib/report';
import { type Options, roomBots, SCENARIOS } from './lib/scenarios';
import {
  isMultiMyRoom,
  isSingleMyRoom,
  startTarget,
  stopAllTargets,
  TARGET_ORDER,
  type TargetName,
} from './lib/targets';

const ALL = ['rooms', 'crowd', 'build-under-load', 'enter-storm', 'idle', 'cluster'];
/** The scenarios that write no results: they check the build, or the box. */
const CHECKS = ['smoke', 'calibrate'];
const CALIBRATION_STEP_SECONDS = 15;

function parseArgs(argv: string[]): { scenario: string; o: Options } {
  const o: Options = {
    // The cluster, WORKERS, gateway, tracing and MessagePack variants of My Room run when asked for
    // (--targets, --codec).
    targets: [...TARGET_ORDER].filter(
      (t) => !isMultiMyRoom(t) && !['gateway', 'myroom-traced', 'myroom-msgpack', 'myroom-batch'].includes(t),
    ),
    workers: 2,
    stepSeconds: 8,
  };
  let scenario = 'rooms';
  let codecs: string[] | undefined;
  let batch = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    const value = () => inline ?? argv[++i];
    if (flag === '--targets' || flag === '--servers') {
      o.targets = value().split(',') as TargetName[];
      const unknown = o.targets.filter((t) => !TARGET_ORDER.includes(t));
      if (unknown.length) throw new Error(`unknown target ${unknown.join(', ')}: one of ${TARGET_ORDER.join(', ')}`);
    } else if (flag === '--workers') o.workers = Number(value());
    else if (flag === '--step') o.stepSeconds = Number(value());
    else if (flag === '--rates') o.rates = value().split(',').map(Number);
    else if (flag === '--batch') batch = true;
    else if (flag === '--codec') codecs = value().split(',');
    else if (flag === '--rounds') {
      o.rounds = Number(value());
      if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error('--rounds takes a whole number of at least 1');
    } else if (flag.startsWith('--')) throw new Error(`unknown option ${flag}`);
    else scenario = flag;
  }
  if (codecs) o.targets = withCodecs(o.targets, codecs);
  if (batch)
    o.targets = o.targets.flatMap((t) => (t === 'myroom' ? (['myroom', 'myroom-batch'] as TargetName[]) : [t]));
  if (!CHECKS.includes(scenario) && scenario !== 'all' && scenario !== 'report' && !SCENARIOS[scenario]) {
    throw new Error(
      `unknown scenario "${scenario}": one of ${[...Object.keys(SCENARIOS), 'all', ...CHECKS, 'report'].join(', ')}`,
    );
  }
  return { scenario, o };
}

/** `myroom` becomes one target per codec: `myroom` (JSON) and `myroom-msgpack`, in the order given. */
function withCodecs(targets: TargetName[], codecs: string[]): TargetName[] {
  const unknown = codecs.filter((c) => c !== 'json' && c !== 'msgpack');
  if (unknown.length) throw new Error(`unknown codec ${unknown.join(', ')}: json or msgpack`);
  const mine = codecs.map((c): TargetName => (c === 'json' ? 'myroom' : 'myroom-msgpack'));
  return targets
    .flatMap((t) => (t === 'myroom' || t === 'myroom-msgpack' ? mine : [t]))
    .filter((t, i, all) => all.indexOf(t) === i);
}

/**
 * 10 s against My Room: 10 rooms × 5 bots at 2 moves/s with builds and re-enters
 * (`--targets myroom-traced`: against the traced variant; `--codec msgpack`: MessagePack bots).
 */
async function smoke(o: Options): Promise<number> {
  const variant = o.targets[0];
  const target = await startTarget(isSingleMyRoom(variant) ? variant : 'myroom');
  const pool = await BotPool.start(target, o.workers);
  const problems: string[] = [];
  try {
    const bots = roomBots(10, 5);
    const c = await pool.connect(bots, (b) => Number(/^r(\d+)/.exec(b.roomId)![1]), true);
    if (c.counters.enters !== bots.length) problems.push(`only ${c.counters.enters}/${bots.length} bots entered`);
    const s = await pool.run(
      { rateHz: 2, warmupMs: 2000, measureMs: 6000, buildEveryMs: 2000, churnPerSec: 1 },
      bots.length,
      'smoke',
    );
    const stored = await Promise.all(
      Object.entries(s.lastSeqByRoom).map(async ([r, seq]) => (await target.storedSeq!(r)) === seq),
    );
    const report = {
      accepted: s.counters.accepted,
      sent: s.counters.sent,
      deliveries: s.counters.deliveries,
      codec: target.info.codec,
      bytesPerDelivery: Math.round((s.counters.bytesReceived / Math.max(1, s.counters.deliveries)) * 10) / 10,
      gaps: s.counters.gaps,
      outOfOrder: s.counters.outOfOrder,
      unanswered: s.counters.unanswered,
      unmatched: s.counters.unmatched,
      errors: s.counters.errors,
      moverP99: s.mover.p99,
      othersP99: s.others.p99,
      builds: s.counters.builds,
      enters: s.counters.enters,
      persistedRooms: `${stored.filter(Boolean).length}/${stored.length}`,
      serverCpuPct: s.server.cpuPct,
      botCpuPct: s.botCpuPct,
    };
    console.log('smoke:', JSON.stringify(report));
    mkdirSync('bench/out', { recursive: true });
    writeFileSync('bench/out/smoke.json', JSON.stringify({ ...report, phase: s }, null, 2));
    if (s.counters.accepted === 0) problems.push('no move was accepted');
    if (s.counters.accepted < 0.9 * s.counters.sent)
      problems.push(`only ${s.counters.accepted} of ${s.counters.sent} moves accepted`);
    if (s.others.count === 0) problems.push('no delivery to other players was timed');
    if (s.counters.gaps || s.counters.outOfOrder)
      problems.push(`seq gaps ${s.counters.gaps}, out of order ${s.counters.outOfOrder}`);
    if (s.counters.unanswered) problems.push(`${s.counters.unanswered} moves never answered`);
    if (s.counters.builds === 0) problems.push('no build succeeded');
    if (s.counters.enters === 0) problems.push('no re-enter succeeded');
    const bad = Object.keys(s.counters.errors).filter((k) => k !== 'BLOCKED' && k !== 'build:CONFLICT');
    if (bad.length) problems.push(`unexpected errors: ${bad.join(', ')}`);
    if (!stored.every(Boolean)) problems.push('the seq stored in Redis differs from the last one the bots saw');
  } finally {
    await pool.close();
    await target.stop();
  }
  if (problems.length) {
    console.error(`smoke FAILED:\n  - ${problems.join('\n  - ')}`);
    return 1;
  }
  console.log('smoke ok');
  return 0;
}

/**
 * The corked peer's 1 Hz step of the rooms scenario, once, against the same step of the stored
 * rooms run (bench/results/rooms.json): how this box's speed compares (lib/calibration.ts).
 */
async function calibrate(o: Options): Promise<number> {
  const file = 'bench/results/rooms.json';
  const reference = referenceSpeed(
    existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredResult) : undefined,
  );
  if (!reference) {
    console.error(
      `calibrate: ${file} holds no ${CALIBRATION_RATE_HZ} Hz step of ${CALIBRATION_TARGET} to compare with`,
    );
    return 1;
  }
  const result = await SCENARIOS.rooms.run({
    ...o,
    targets: [CALIBRATION_TARGET],
    rates: [CALIBRATION_RATE_HZ],
    stepSeconds: CALIBRATION_STEP_SECONDS,
    rounds: 1,
  });
  const step = result[CALIBRATION_TARGET]?.steps?.[0];
  if (!step) {
    console.error(`calibrate: ${CALIBRATION_TARGET} gave no step: ${result[CALIBRATION_TARGET]?.error ?? 'unknown'}`);
    return 1;
  }
  const comparison = compareSpeed({ ...speedOf(step), date: new Date().toISOString() }, reference);
  console.log(`\n${describeComparison(comparison)}`);
  mkdirSync('bench/out', { recursive: true });
  writeFileSync('bench/out/calibrate.json', JSON.stringify({ ...comparison, machine: describeMachine() }, null, 2));
  return 0;
}

async function main(): Promise<number> {
  const { scenario, o } = parseArgs(process.argv.slice(2));
  if (scenario === 'smoke') return smoke(o);
  if (scenario === 'calibrate') return calibrate(o);
  if (scenario === 'report') {
    writeReport('bench/results', 'bench/RESULTS.md');
    console.log('wrote bench/RESULTS.md from bench/results/*.json');
    return 0;
  }
  let failed = false;
  for (const name of scenario === 'all' ? ALL : [scenario]) {
    const s = SCENARIOS[name];
    console.log(`\n### ${name}: ${s.description}`);
    const date = new Date().toISOString();
    const roundCount = o.rounds ?? 1;
    const rounds: Awaited<ReturnType<typeof s.run>>[] = [];
    for (let round = 1; round <= roundCount; round++) {
      if (roundCount > 1) console.log(`\n-- round ${round} of ${roundCount}`);
      rounds.push(await s.run(o));
    }
    const targets = medianRound(rounds);
    for (const t of Object.values(targets)) if (t) t.date = date;
    if (Object.values(targets).every((t) => t?.error)) {
      failed = true;
      console.error(`${name}: no server produced results; bench/results/${name}.json left as it was.`);
      continue;
    }
    // Servers not run this time (--targets) keep their last results, each with its own date.
    const file = `bench/results/${name}.json`;
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredResult) : undefined;
    const merged = { ...(previous?.targets ?? {}), ...targets };
    for (const t of Object.values(merged)) if (t) t.date ??= previous?.date;
    const ordered = Object.fromEntries(TARGET_ORDER.filter((k) => merged[k]).map((k) => [k, merged[k]]));
    const result: StoredResult = {
      scenario: name,
      description: s.description,
      date,
      machine: describeMachine(),
      targets: ordered,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
    writeReport('bench/results', 'bench/RESULTS.md');
    console.log(`\nwrote bench/results/${name}.json and bench/RESULTS.md`);
  }
  return failed ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and bots`);
    void stopAllTargets().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    // The stack when it is our own bug; a plain message for what the user got wrong.
    console.error(process.env.BENCH_DEBUG ? err.stack : err.message);
    process.exit(2);
  },
);
