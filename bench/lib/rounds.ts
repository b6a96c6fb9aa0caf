import type { ScenarioResult, TargetResult } from './scenarios';

type Targets = ScenarioResult['targets'];

/**
 * One result per server from several rounds of the same scenario (`--rounds N`: every server ran
 * once per round, in turn, so a noisy spell of the shared box hits them alike). A server's ramp
 * ceiling moves by a fifth or more between rounds on this kind of box, so one round can decide a
 * ratio either way; each server keeps the round whose ceiling is its median (the lower middle one
 * for an even count), with every round's ceiling beside it in round order (null: no step passed),
 * and every round's latency to the others at 1 Hz (the cluster's added-latency target is judged
 * round by round: the median rounds of two servers may be different rounds).
 * Scenarios without ramps (enter-storm, idle) keep their last round.
 */
export function medianRound(rounds: Targets[]): Targets {
  if (rounds.length === 1) return rounds[0];
  const out: Targets = {};
  const names = [...new Set(rounds.flatMap((r) => Object.keys(r)))] as (keyof Targets)[];
  for (const name of names) {
    const runs = rounds.map((r) => r[name]).filter((t): t is TargetResult => !!t && !t.error);
    if (runs.length === 0) {
      out[name] = rounds
        .map((r) => r[name])
        .reverse()
        .find((t) => !!t);
      continue;
    }
    if (!runs.some((t) => t.steps?.length)) {
      out[name] = runs.at(-1);
      continue;
    }
    const ceiling = (t: TargetResult) => t.highestSustainableHz ?? -Infinity;
    const median = [...runs].sort((a, b) => ceiling(a) - ceiling(b))[Math.floor((runs.length - 1) / 2)];
    out[name] = {
      ...median,
      roundCeilingsHz: runs.map((t) => t.highestSustainableHz ?? null),
      // Every round, failed ones too (null), so the rounds of different servers line up.
      roundOthersAt1Hz: rounds.map((r) => {
        const step = r[name]?.error ? undefined : r[name]?.steps?.find((s) => s.rateHz === 1);
        return step ? { p50: step.others.p50, p99: step.others.p99 } : null;
      }),
    };
  }
  return out;
}
