import { cpus, release, totalmem } from 'node:os';
import type { Machine } from './report';

/** The box a result was measured on, as every results file names it. */
export function describeMachine(): Machine {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `Linux ${release()}`,
  };
}
