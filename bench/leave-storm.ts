// How long a room takes to see all its players go when their sockets drop at once (a network
// blip, a client release gone wrong): the leaves of one room all need its room lock.
//   npm run bench:leave-storm -- [--rooms 50] [--players 20] [--rounds 1] [[name=]main.js …]
// Each server build given (default: dist/main.js; several alternate, --rounds times;
// `before=../old/dist/main.js` names one in the output) starts in services mode on the local
// Redis and MySQL (as the bench's `myroom` target). Each room gets a watcher (its owner, who stays) and --players players; once
// all are in, every player's socket is cut at the same moment. Reports, per build: the time until
// each watcher has seen every `left` of its room (median and highest over the rooms), avatars
// still in a room after 20 s, the Redis commands and the server CPU the storm took. Writes
// bench/results/leave-storm.json. Needs the server built (`npm run build`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { mintToken } from '../src/auth/mint';
import { cpuSeconds } from './lib/proc';
import { SERVICES, startTarget, stopAllTargets } from './lib/targets';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return Number(value);
};
const rooms = option('rooms', 50);
const players = option('players', 20);
const rounds = option('rounds', 1);
const builds = (args.length ? args : ['dist/main.js']).map((arg) => {
  const [name, path] = arg.includes('=') ? arg.split('=') : [arg, arg];
  return { name, main: resolve(path) };
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEFT_WAIT_MS = 20_000;

async function redisCommands(redis: Redis): Promise<{ all: number; scripts: number }> {
  const stats = await redis.info('commandstats');
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  const all = [...stats.matchAll(/calls=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
  return { all, scripts: calls('evalsha') + calls('eval') };
}

/** Opens a socket as `userId` and enters `roomId`; resolves on the welcome. */
function enter(
  url: string,
  secret: string,
  userId: string,
  roomId: string,
  onFrame?: (text: string) => void,
): Promise<WebSocket> {
  const ws = new WebSocket(url, ['myroom.v1', `bearer.${mintToken(secret, { userId, name: userId })}`]);
  return new Promise<WebSocket>((res, rej) => {
    ws.once('error', rej);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'enter', roomId, id: 'e' })));
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"welcome"')) res(ws);
      else if (text.startsWith('{"type":"error"')) rej(new Error(`${userId}: ${text}`));
      onFrame?.(text);
    });
  });
}

async function measure({ name, main }: { name: string; main: string }) {
  process.env.BENCH_MYROOM_MAIN = main;
  const target = await startTarget('myroom');
  const redis = new Redis(SERVICES.redis);
  try {
    const { url, jwtSecret } = target.info;
    const lastLeft = new Array<number>(rooms).fill(0);
    const leftSeen = new Array<number>(rooms).fill(0);
    for (let r = 0; r < rooms; r++) {
      await enter(url, jwtSecret, `r${r}u0`, `r${r}u0`, (text) => {
        if (!text.startsWith('{"type":"left"')) return;
        leftSeen[r]++;
        lastLeft[r] = performance.now();
      });
    }
    const sockets: WebSocket[] = [];
    for (let r = 0; r < rooms; r++) {
      const entering: Promise<WebSocket>[] = [];
      for (let i = 1; i <= players; i++) entering.push(enter(url, jwtSecret, `r${r}u${i}`, `r${r}u0`));
      sockets.push(...(await Promise.all(entering)));
    }
    await sleep(2000);
    const pid = target.pids[0];
    const cpuBefore = cpuSeconds(pid);
    const commandsBefore = await redisCommands(redis);
    const cut = performance.now();
    for (const ws of sockets) ws.terminate();
    const until = Date.now() + LEFT_WAIT_MS;
    while (leftSeen.some((n) => n < players) && Date.now() < until) await sleep(20);
    const commandsAfter = await redisCommands(redis);
    const cpu = cpuSeconds(pid) - cpuBefore;
    const done = lastLeft.map((t, r) => (leftSeen[r] >= players ? t - cut : Infinity)).sort((a, b) => a - b);
    return {
      build: name,
      rooms,
      players: rooms * players,
      avatarsLeft: leftSeen.reduce((s, n) => s + Math.max(0, players - n), 0),
      medianRoomMs: Math.round(done[done.length >> 1]),
      slowestRoomMs: Number.isFinite(done.at(-1)) ? Math.round(done.at(-1)!) : null,
      redisCommands: commandsAfter.all - commandsBefore.all,
      redisScripts: commandsAfter.scripts - commandsBefore.scripts,
      serverCpuMs: Math.round(cpu * 1000),
    };
  } finally {
    redis.disconnect();
    await target.stop();
  }
}

(async () => {
  const runs: ({ round: number } & Awaited<ReturnType<typeof measure>>)[] = [];
  for (let round = 1; round <= rounds; round++)
    for (const build of builds) {
      const run = { round, ...(await measure(build)) };
      runs.push(run);
      console.log(
        `${run.build} (round ${round}): ${run.players} players cut at once; every room saw all its leaves after ` +
          `median ${run.medianRoomMs} ms, slowest ${run.slowestRoomMs ?? `never (${run.avatarsLeft} avatars left)`} ms; ` +
          `Redis ${run.redisCommands} commands (${run.redisScripts} scripts), server CPU ${run.serverCpuMs} ms`,
      );
    }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/leave-storm.json',
    JSON.stringify({ date: new Date().toISOString(), runs }, null, 2) + '\n',
  );
  process.exit(0);
})().catch(async (err) => {
  console.error(err);
  await stopAllTargets();
  process.exit(1);
});
