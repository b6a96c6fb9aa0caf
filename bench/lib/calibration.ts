/**
 * How fast this box is against the box of the last stored rooms run, from one short step of the
 * corked bare-ws peer (`npm run bench -- calibrate`).
 *
 * These boxes are shared: the same peer at the same load has taken 1.8× the CPU from one session
 * to the next. Same-run ratios survive that; figures do not, and a 5 Hz operating point that sat
 * at half a server's capacity on one box saturates it on a box that slow. So, before a long run,
 * a minute of the steadiest peer says whether its figures will be comparable with RESULTS.md.
 * The corked peer is the yardstick because it is the least code (parse, update a Map, write), so
 * its CPU per delivery is mostly the machine's; the bots are timed too, being the same code on
 * both boxes.
 */
import type { PhaseResult } from './pool';
import type { StoredResult } from './report';

export const CALIBRATION_TARGET = 'barews-corked';
export const CALIBRATION_RATE_HZ = 1;
/** Within this much either way, the two boxes count as the same speed. */
export const COMPARABLE_WITHIN = 0.15;

export interface SpeedSample {
  /** When it was measured (ISO-8601). */
  date?: string;
  /** µs of the peer's CPU per delivery. */
  serverUs: number;
  /** µs of the bots' CPU per delivery. */
  botUs: number;
}

export interface SpeedComparison {
  now: SpeedSample;
  reference: SpeedSample;
  /** Now over reference, per delivery: above 1, this box is slower. */
  serverRatio: number;
  botRatio: number;
  /** The geometric mean of the two ratios. */
  slowdown: number;
  comparable: boolean;
}

/** The CPU per delivery of one step: `cpuPct` % of a core spread over its deliveries. */
export function speedOf(step: Pick<PhaseResult, 'server' | 'botCpuPct' | 'deliveriesPerSec'>): SpeedSample {
  if (!(step.deliveriesPerSec > 0)) throw new Error('the calibration step delivered nothing: no speed to compare');
  const us = (pct: number) => Math.round(((pct / 100) * 1e6 * 100) / step.deliveriesPerSec) / 100;
  return { serverUs: us(step.server.cpuPct), botUs: us(step.botCpuPct) };
}

/** The corked peer's 1 Hz step of a stored rooms run, if it has one. */
export function referenceSpeed(rooms: StoredResult | undefined): SpeedSample | undefined {
  const peer = rooms?.targets[CALIBRATION_TARGET];
  const step = peer?.steps?.find((s) => s.rateHz === CALIBRATION_RATE_HZ);
  if (!step || !(step.deliveriesPerSec > 0)) return undefined;
  return { ...speedOf(step), date: peer?.date ?? rooms?.date };
}

export function compareSpeed(now: SpeedSample, reference: SpeedSample): SpeedComparison {
  const serverRatio = now.serverUs / reference.serverUs;
  const botRatio = now.botUs / reference.botUs;
  const slowdown = Math.sqrt(serverRatio * botRatio);
  const comparable = Math.abs(slowdown - 1) <= COMPARABLE_WITHIN;
  return { now, reference, serverRatio, botRatio, slowdown, comparable };
}

const x = (n: number) => `${n.toFixed(2)}×`;

/** What the comparison means for a run on this box, in a few lines. */
export function describeComparison(c: SpeedComparison): string {
  const lines = [
    `corked peer at ${CALIBRATION_RATE_HZ} Hz: ${c.now.serverUs} µs of server CPU per delivery, bots ${c.now.botUs} µs`,
    `the stored rooms run${c.reference.date ? ` (${c.reference.date})` : ''}: ${c.reference.serverUs} µs, bots ${c.reference.botUs} µs`,
    `this box against that one: server ${x(c.serverRatio)}, bots ${x(c.botRatio)}, together ${x(c.slowdown)}`,
  ];
  if (c.comparable) lines.push('comparable: figures measured here may stand beside bench/RESULTS.md');
  else
    lines.push(
      `${c.slowdown > 1 ? 'slower' : 'faster'} than that box: compare ratios measured in one run, not figures; ` +
        `a run of every scenario here would not be like for like with bench/RESULTS.md`,
    );
  return lines.join('\n');
}
