import cluster, { type Worker } from 'node:cluster';
import type { ServicesConfig } from './config/config';
import { createLogger } from './logging/logger';

/** A worker that dies this soon after its start is not restarted (it would only crash again). */
const MIN_UPTIME_MS = 5000;
const RESTART_DELAY_MS = 1000;

/** What a worker tells the primary once it serves. */
export const WORKER_READY = 'myroom:ready';

/**
 * `WORKERS=N` in services mode: this (primary) process forks N full instances of the server, which
 * share the listening port (node:cluster hands each accepted connection to one of them in turn).
 * Each is an instance like any other in a multi-host deployment: its own INSTANCE_ID
 * (`<id>-<n>`), lease, sessions and fan-out connection; events cross between them over RabbitMQ,
 * which is why the configuration requires it. The primary serves nothing itself.
 *
 * Worker 0 starts first and alone runs the migrations and the demo seed (two processes migrating
 * one schema at once would race); the others start once it is ready. A worker that dies is started
 * again (its avatars are reaped by the others, as for any dead instance); SIGTERM/SIGINT are passed
 * to every worker, each drains as a single instance would, and the primary exits after the last.
 */
export async function runWorkers(config: ServicesConfig): Promise<void> {
  const log = createLogger(config.logLevel, `${config.instanceId}-primary`);
  let stopping = false;
  const live = new Set<Worker>();

  const fork = (index: number, first: boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const env: Record<string, string> = { INSTANCE_ID: `${config.instanceId}-${index}` };
      if (!first) Object.assign(env, { RUN_MIGRATIONS: 'false', SEED_DEMO_DATA: 'false' });
      const worker = cluster.fork(env);
      const startedAt = Date.now();
      live.add(worker);
      worker.on('message', (m: unknown) => {
        if (m === WORKER_READY) resolve();
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        reject(new Error(`worker ${index} exited (${signal ?? code}) before it was ready`));
        if (stopping) {
          if (live.size === 0) process.exit(0);
          return;
        }
        if (Date.now() - startedAt < MIN_UPTIME_MS) {
          log.error({ worker: index, code, signal }, 'a worker died right after its start; stopping all');
          stopAll();
          return;
        }
        log.error({ worker: index, code, signal }, 'a worker died; starting it again');
        setTimeout(() => void fork(index, false).catch(() => undefined), RESTART_DELAY_MS);
      });
    });

  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    if (live.size === 0) process.exit(1);
    for (const w of live) w.process.kill('SIGTERM');
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, stopAll);

  log.info({ workers: config.workers }, 'starting workers');
  await fork(0, true);
  await Promise.all(Array.from({ length: config.workers - 1 }, (_, i) => fork(i + 1, false)));
  log.info({ workers: config.workers, port: config.port }, 'all workers serving');
}
