import { newCounters } from '../../bench/lib/messages';
import type { PhaseResult } from '../../bench/lib/pool';
import type { StoredResult } from '../../bench/lib/report';
import type { TargetResult } from '../../bench/lib/scenarios';

/** Result fixtures for the report's first-targets rows: made-up steps, targets and runs. */

const latency = (p50: number, p99: number) => ({ count: 1000, p50, p90: p50 * 2, p99, max: p99 * 2 });

/** One measured step of a ramp: 1,000 players at `rateHz`, every move accepted. */
export function step(rateHz: number, othersP50: number, othersP99: number, brokerCpuPct?: number): PhaseResult {
  const moves = 1000 * rateHz;
  return {
    mover: latency(othersP50, othersP99),
    others: latency(othersP50, othersP99),
    sendLag: latency(1, 2),
    enter: latency(3, 5),
    build: latency(5, 10),
    connect: latency(1, 2),
    counters: { ...newCounters(), sent: moves * 8, accepted: moves * 8 },
    botCpuPct: 20,
    botRssMb: 100,
    lastSeqByRoom: {},
    rateHz,
    players: 1000,
    offeredPerSec: moves,
    sentPerSec: moves,
    acceptedPerSec: moves,
    deliveriesPerSec: moves * 20,
    server: { cpuPct: 30, peakRssMb: 200, machineCpuPct: 80, redisCpuPct: 6, brokerCpuPct },
    otherCpuPct: 0,
    seconds: 8,
  };
}

export const target = (label: string, steps: PhaseResult[], date = '2026-12-01T01:19:07.541Z'): TargetResult => ({
  label,
  date,
  steps,
  highestSustainableHz: steps.at(-1)?.rateHz,
  persisted: { rooms: 50, matching: 50 },
});

export const stored = (scenario: string, targets: StoredResult['targets']): StoredResult => ({
  scenario,
  description: scenario,
  date: '2026-12-01T01:19:07.541Z',
  machine: { cores: 2, cpu: 'x', memoryGb: 1, node: 'v20', os: 'Linux' },
  targets,
});

export const row = (rows: string[], start: string) => {
  const found = rows.find((r) => r.startsWith(`| ${start}`));
  if (!found) throw new Error(`no row "${start}" in:\n${rows.join('\n')}`);
  return found;
};
