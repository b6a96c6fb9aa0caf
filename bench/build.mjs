// Bundles the benchmark (tool, bot worker, peers) into dist-bench/ with esbuild; npm packages stay external.
import { build } from 'esbuild';

await build({
  entryPoints: {
    cli: 'bench/cli.ts',
    soak: 'bench/soak.ts',
    'broker-cost': 'bench/broker-cost.ts',
    'leave-storm': 'bench/leave-storm.ts',
    'bots/worker': 'bench/bots/worker.ts',
    'peers/bare-ws': 'bench/peers/bare-ws/server.ts',
    'peers/bare-ws-corked': 'bench/peers/bare-ws-corked/server.ts',
    'peers/socketio': 'bench/peers/socketio/server.ts',
    'peers/colyseus': 'bench/peers/colyseus/server.ts',
  },
  outdir: 'dist-bench',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
