// Event-loop delay, second by second, of the process it is preloaded into:
//   node --require ./bench/loop-delay.cjs dist/main.js
//   BENCH_SERVER_NODE_ARGS="--require $PWD/bench/loop-delay.cjs" npm run bench -- rooms --targets myroom
// Each second appends one line to bench/out/loop-delay-<pid>.log: the time, the longest a timer
// waited past its due time in that second (ms), the 99th percentile, and the GC pauses over 5 ms
// (kind:ms; kind 1 is a scavenge, 4 a mark-sweep). Stalls that recur at one period name their cause.
const { monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks');
const { createWriteStream, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const dir = join(__dirname, 'out');
mkdirSync(dir, { recursive: true });
const out = createWriteStream(join(dir, `loop-delay-${process.pid}.log`));
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
let pauses = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.duration > 5) pauses.push(`${e.detail?.kind}:${e.duration.toFixed(1)}`);
}).observe({ entryTypes: ['gc'] });
setInterval(() => {
  const ms = (ns) => (ns / 1e6).toFixed(1);
  out.write(
    `${new Date().toISOString()} max ${ms(delay.max)} p99 ${ms(delay.percentile(99))} gc ${pauses.join(' ')}\n`,
  );
  delay.reset();
  pauses = [];
}, 1000).unref();
