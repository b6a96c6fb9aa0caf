// First: with tracing on, the SDK must patch the drivers before anything requires them.
import { runningTracing } from './tracing/register';
import cluster from 'node:cluster';
import { ConfigError, loadConfig } from './config/config';
import { startServer } from './bootstrap';
import { runWorkers, WORKER_READY } from './workers';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // WORKERS > 1 (services mode only, config.ts checks): this process only runs the workers.
  if (config.mode === 'services' && config.workers > 1 && cluster.isPrimary) return runWorkers(config);
  const server = await startServer(config);
  // A drain asked over HTTP (POST /api/instances/:id/drain) ends the process as SIGTERM does.
  void server.closed.then(() => exitAfterTraces(0));
  if (cluster.isWorker) process.send?.(WORKER_READY);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // The drain is bounded by SHUTDOWN_TIMEOUT_MS; this bounds closing the connections after it.
      setTimeout(() => {
        console.error('shutdown took too long; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs + 5000).unref();
      server.shutdown().then(
        () => exitAfterTraces(0),
        (err) => {
          console.error(err);
          process.exit(1);
        },
      );
    });
  }
}

/** Exits once the spans still buffered are exported (a second at most: the collector may be away). */
function exitAfterTraces(code: number): void {
  if (!runningTracing) process.exit(code);
  setTimeout(() => process.exit(code), 1000).unref();
  runningTracing.shutdown().then(
    () => process.exit(code),
    () => process.exit(code),
  );
}

main().catch((err) => {
  console.error('failed to start:', err);
  process.exit(1);
});
