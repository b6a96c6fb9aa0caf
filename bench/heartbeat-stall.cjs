// How long the server's event loop stalls while its heartbeat pings idle sockets.
//   node bench/heartbeat-stall.cjs [--sockets 5000] [--seconds 20] [--rounds 1] [[name=]main.js …]
// Each server build given (default: dist/main.js; several alternate, --rounds times; `before=../old/dist/main.js`
// names one in the output) starts in
// embedded mode with WS_PING_INTERVAL_MS=3000 and bench/loop-delay.cjs preloaded; the sockets
// connect and sit idle (no room), answering pings; then the longest loop delay of each second
// is read for --seconds. Prints the median and the highest of those per-second maxima, and writes
// bench/results/heartbeat-stall.json. Run `npm run build` first.
const { spawn } = require('node:child_process');
const { readFileSync, writeFileSync, mkdirSync } = require('node:fs');
const { join, resolve } = require('node:path');
const WebSocket = require('ws');

const root = resolve(__dirname, '..');
const { mintToken } = require(join(root, 'dist/auth/mint'));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return Number(value);
};
const sockets = option('sockets', 5000);
const seconds = option('seconds', 20);
const rounds = option('rounds', 1);
const builds = (args.length ? args : ['dist/main.js']).map((arg) => {
  const [name, path] = arg.includes('=') ? arg.split('=') : [arg, arg];
  return { name, main: resolve(path) };
});
const secret = 'heartbeat-stall-bench-secret-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure({ name, main }) {
  const port = 20000 + Math.floor(Math.random() * 10000);
  const server = spawn(process.execPath, ['--require', join(__dirname, 'loop-delay.cjs'), main], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      JWT_SECRET: secret,
      WS_PING_INTERVAL_MS: '3000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) break;
    } catch {}
    if (i > 150) throw new Error(`${main} did not become ready on port ${port}`);
    await sleep(200);
  }
  const open = [];
  for (let i = 0; i < sockets; i += 100) {
    const batch = Array.from({ length: Math.min(100, sockets - i) }, (_, j) => {
      const userId = `idle${i + j}`;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, [
        'myroom.v1',
        `bearer.${mintToken(secret, { userId, name: userId })}`,
      ]);
      open.push(ws);
      return new Promise((res, rej) => ws.once('open', res).once('error', rej));
    });
    await Promise.all(batch);
  }
  const from = Date.now() + 1000;
  await sleep(seconds * 1000 + 1000);
  const maxima = readFileSync(join(__dirname, 'out', `loop-delay-${server.pid}.log`), 'utf8')
    .trim()
    .split('\n')
    .filter((line) => Date.parse(line.split(' ')[0]) > from)
    .map((line) => Number(line.split(' ')[2]))
    .sort((a, b) => a - b);
  const stillOpen = open.filter((ws) => ws.readyState === WebSocket.OPEN).length;
  for (const ws of open) ws.terminate();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  return {
    build: name,
    sockets,
    stillOpen,
    seconds: maxima.length,
    medianMaxMs: maxima[maxima.length >> 1],
    highestMaxMs: maxima.at(-1),
  };
}

(async () => {
  const runs = [];
  for (let round = 1; round <= rounds; round++)
    for (const build of builds) {
      const run = { round, ...(await measure(build)) };
      runs.push(run);
      console.log(
        `${run.build} (round ${round}): ${run.stillOpen}/${run.sockets} sockets open; loop delay, the longest of each second over ${run.seconds} s: median ${run.medianMaxMs} ms, highest ${run.highestMaxMs} ms`,
      );
    }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', 'heartbeat-stall.json'),
    JSON.stringify({ date: new Date().toISOString(), runs }, null, 2) + '\n',
  );
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
