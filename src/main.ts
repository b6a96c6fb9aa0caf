import { ConfigError, loadConfig } from './config/config';
import { startServer } from './bootstrap';

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
  const server = await startServer(config);
  // A drain asked over HTTP (POST /api/instances/:id/drain) ends the process as SIGTERM does.
  void server.closed.then(() => process.exit(0));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // The drain is bounded by SHUTDOWN_TIMEOUT_MS; this bounds closing the connections after it.
      setTimeout(() => {
        console.error('shutdown took too long; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs + 5000).unref();
      server.shutdown().then(() => process.exit(0), (err) => {
        console.error(err);
        process.exit(1);
      });
    });
  }
}

main().catch((err) => {
  console.error('failed to start:', err);
  process.exit(1);
});
