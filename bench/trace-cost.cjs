// What tracing costs a request that is not sampled, in the process that makes it.
//   node bench/trace-cost.cjs [--alternations 4] [[name=]dist-dir …]
// For each server build given (its compiled dist/ directory; default: dist; `before=../old/dist`
// names one in the output), a child process starts the build's tracing (the default sampler, moves
// at 0.01, spans batched into memory) and runs 20,000 "moves": `ws move` spans around two commands
// to the local Redis, 50 at a time, five times; plus the same with tracing off. Prints each
// process's CPU time per move (user + system) for its five runs and their median, the builds taking
// turns --alternations times. Run `npm run build` first.
const { execFileSync } = require('node:child_process');
const { resolve } = require('node:path');

const MOVES_PER_RUN = 20_000;
const CONCURRENT = 50;
const RUNS = 5;

if (process.argv[2] === '--child') {
  const [, , , dist, mode] = process.argv;
  const root = resolve(__dirname, '..');
  if (mode === 'on') {
    const { BatchSpanProcessor, InMemorySpanExporter } = require(`${root}/node_modules/@opentelemetry/sdk-trace`);
    require(`${dist}/tracing/start`).startTracing({
      config: { enabled: true, serviceName: 'trace-cost', moveRatio: 0.01 },
      spanProcessors: [new BatchSpanProcessor({ exporter: new InMemorySpanExporter() })],
    });
  }
  // After tracing starts: its instrumentation patches ioredis as it loads.
  const Redis = require(`${root}/node_modules/ioredis`);
  const { traced } = require(`${dist}/tracing/tracing`);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: `trace-cost:${process.pid}:` });
  const move = () =>
    traced('ws move', async () => {
      await redis.set('k', 'v');
      await redis.get('k');
    });
  const batch = async (moves) => {
    for (let i = 0; i < moves; i += CONCURRENT) await Promise.all(Array.from({ length: CONCURRENT }, move));
  };
  (async () => {
    await batch(MOVES_PER_RUN / 2); // warm-up: JIT, connection
    const micros = [];
    for (let r = 0; r < RUNS; r++) {
      const before = process.cpuUsage();
      await batch(MOVES_PER_RUN);
      const used = process.cpuUsage(before);
      micros.push((used.user + used.system) / MOVES_PER_RUN);
    }
    await redis.del('k');
    redis.disconnect();
    console.log(JSON.stringify(micros));
    process.exit(0);
  })();
  return;
}

const args = process.argv.slice(2);
const at = args.indexOf('--alternations');
const alternations = at < 0 ? 4 : Number(args.splice(at, 2)[1]);
const builds = (args.length ? args : ['dist']).map((arg) => {
  const [name, path] = arg.includes('=') ? arg.split('=') : [arg, arg];
  return { name, dist: resolve(path) };
});
const variants = [...builds.map((b) => ({ ...b, mode: 'on' })), { ...builds.at(-1), name: `${builds.at(-1).name}, tracing off`, mode: 'off' }];
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (let round = 1; round <= alternations; round++)
  for (const v of variants) {
    const runs = JSON.parse(execFileSync(process.execPath, [__filename, '--child', v.dist, v.mode], { encoding: 'utf8' }));
    console.log(
      `${v.name} (alternation ${round}): ${runs.map((m) => m.toFixed(1)).join(' / ')} µs CPU per move, median ${median(runs).toFixed(1)}`,
    );
  }
