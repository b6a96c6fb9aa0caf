/**
 * Imported first by main.ts, before Nest and the drivers load: when an OTLP endpoint is set, starts
 * the OpenTelemetry SDK, whose instrumentations patch http, ioredis, mysql2 and amqplib as they
 * are required. Otherwise it loads nothing (start.ts, and the SDK with it, is required only here).
 *
 * WORKERS=N: the primary only forks (node:cluster runs main.js again in each worker), so it
 * traces nothing; each worker starts its own SDK, as any instance does. A bad tracing variable is
 * left for loadConfig to report with the others.
 */
import cluster from 'node:cluster';
import { ConfigError, loadTracingConfig } from '../config/config';
import type { RunningTracing } from './start';

function register(): RunningTracing | undefined {
  let settings;
  try {
    settings = loadTracingConfig();
  } catch (err) {
    if (err instanceof ConfigError) return undefined;
    throw err;
  }
  if (!settings.tracing.enabled || (cluster.isPrimary && settings.workers > 1)) return undefined;
  // A lazy require: the SDK is loaded only on this path.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./start') as typeof import('./start');
  return startTracing({ config: settings.tracing });
}

/** The running SDK (main.ts flushes it at exit), if tracing is on. */
export const runningTracing = register();
