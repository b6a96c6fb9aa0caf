// Enter and build latency of two builds of the server, side by side: both run at the same time
// under the same light move load, so a busy shared machine slows both alike and the comparison
// stays fair (the rooms scenario runs its targets one after the other).
//
// Usage: npm run build && node bench/ab-latency.mjs <A main.js> <B main.js>
//   BENCH_AB_LOAD=rooms,players,hz,seconds (default 10,5,2,60): per server, each player moves at hz,
//   each room's owner builds once a second, and 3 players a second leave and enter again.
//   Services as for the bench: BENCH_REDIS_URL, BENCH_MYSQL_URL (a database per server, dropped after).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');
const mysql = require('mysql2/promise');
const Redis = require('ioredis');
const { MyRoomClient } = require('../dist/client/myroom-client.js');
const { mintToken } = require('../dist/auth/mint.js');

const [mainA, mainB] = process.argv.slice(2);
if (!mainA || !mainB) throw new Error('usage: node bench/ab-latency.mjs <A main.js> <B main.js>');
const [ROOMS, PER_ROOM, HZ, SECONDS] = (process.env.BENCH_AB_LOAD ?? '10,5,2,60').split(',').map(Number);
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MYSQL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const SECRET = 'bench-secret-0123456789-0123456789-abcdef';
const WARMUP_MS = 5000;
const DIRS = ['up', 'down', 'left', 'right'];
const run = Math.random().toString(36).slice(2, 8);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.round(p * (a.length - 1)))] ?? NaN;

function start(side, main, port) {
  const db = `bench_ab_${side.toLowerCase()}_${run}`;
  const child = spawn(process.execPath, [main], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      JWT_SECRET: SECRET,
      REDIS_URL: REDIS,
      REDIS_KEY_PREFIX: `bench-ab:${run}:${side}:`,
      MYSQL_URL: `${MYSQL}/${db}`,
      RATE_LIMIT_PER_SEC: '10000',
      RATE_LIMIT_STRIKES: '10000',
    },
  });
  return { side, port, db, child };
}

async function ready(port) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`server on ${port} not ready`);
}

const connect = (port, userId) =>
  MyRoomClient.connect({
    url: `ws://127.0.0.1:${port}/ws`,
    token: mintToken(SECRET, { userId, name: userId }),
    requestTimeoutMs: 30_000,
    createSocket: (u, p) => new WebSocket(u, p, { perMessageDeflate: false }),
  });

async function openRooms(server) {
  const rooms = [];
  for (let r = 0; r < ROOMS; r++) {
    const roomId = `${server.side}r${r}`;
    const owner = await connect(server.port, roomId);
    const welcome = await owner.enter(roomId);
    const room = { roomId, owner, version: welcome.map.version, walls: [], guests: [] };
    owner.on('built', (e) => {
      room.version = Math.max(room.version, e.map.version);
      room.walls = e.map.objects.filter((o) => o.kind === 'wall').map((o) => o.id);
    });
    for (let g = 1; g < PER_ROOM; g++) {
      const guest = await connect(server.port, `${roomId}u${g}`);
      await guest.enter(roomId);
      room.guests.push(guest);
    }
    rooms.push(room);
  }
  return rooms;
}

/** Moves, builds and leave-and-enter cycles on one server's rooms, timing builds and enters. */
function drive(rooms, stats, timers) {
  const failed = (what, err) =>
    (stats.errors[`${what}:${err.code ?? err.message}`] =
      (stats.errors[`${what}:${err.code ?? err.message}`] ?? 0) + 1);
  for (const room of rooms)
    for (const c of [room.owner, ...room.guests])
      timers.push(setInterval(() => c.sendMove(DIRS[(Math.random() * 4) | 0]), 1000 / HZ));
  rooms.forEach((room, i) =>
    timers.push(
      setTimeout(
        () =>
          timers.push(
            setInterval(async () => {
              if (room.busy) return;
              room.busy = true;
              const ops =
                room.walls.length >= 4
                  ? [{ op: 'remove', objectId: room.walls[0] }]
                  : [
                      {
                        op: 'place',
                        kind: 'wall',
                        x: 1 + ((Math.random() * 18) | 0),
                        y: 1 + ((Math.random() * 18) | 0),
                      },
                    ];
              const t = performance.now();
              try {
                await room.owner.build(room.version, ops);
                stats.build.push(performance.now() - t);
              } catch (err) {
                failed('build', err);
              }
              room.busy = false;
            }, 1000),
          ),
        (i * 1000) / rooms.length,
      ),
    ),
  );
  let k = 0;
  timers.push(
    setInterval(async () => {
      const room = rooms[k % rooms.length];
      const guest = room.guests[Math.floor(k++ / rooms.length) % room.guests.length];
      if (!guest || guest.busy) return;
      guest.busy = true;
      try {
        await guest.leave();
        const t = performance.now();
        await guest.enter(room.roomId);
        stats.enter.push(performance.now() - t);
      } catch (err) {
        failed('enter', err);
      }
      guest.busy = false;
    }, 333),
  );
}

const line = (name, a) =>
  `${name} n=${a.length} p50 ${pct(a, 0.5).toFixed(1)} p90 ${pct(a, 0.9).toFixed(1)} p99 ${pct(a, 0.99).toFixed(1)} max ${Math.max(...a).toFixed(1)} ms`;

async function main() {
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  const servers = [start('A', mainA, base), start('B', mainB, base + 1)];
  const timers = [];
  const clients = [];
  try {
    await Promise.all(servers.map((s) => ready(s.port)));
    const stats = {};
    for (const s of servers) {
      const rooms = await openRooms(s);
      for (const r of rooms) clients.push(r.owner, ...r.guests);
      stats[s.side] = { build: [], enter: [], errors: {} };
      drive(rooms, stats[s.side], timers);
    }
    await sleep(WARMUP_MS);
    for (const s of servers) Object.assign(stats[s.side], { build: [], enter: [] });
    await sleep(SECONDS * 1000);
    for (const s of servers) {
      const st = stats[s.side];
      console.log(
        `${s.side} (${s.side === 'A' ? mainA : mainB}): build ${line('', st.build)} | enter ${line('', st.enter)} | errors ${JSON.stringify(st.errors)}`,
      );
    }
  } finally {
    timers.forEach((t) => clearInterval(t));
    for (const c of clients) c.close();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise((resolve) =>
            s.child.exitCode !== null ? resolve() : (s.child.once('exit', resolve), s.child.kill('SIGTERM')),
          ),
      ),
    );
    const url = new URL(MYSQL);
    const conn = await mysql.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: url.username || 'root',
      password: url.password,
    });
    for (const s of servers) await conn.query(`DROP DATABASE IF EXISTS \`${s.db}\``);
    await conn.end();
    const redis = new Redis(REDIS);
    const keys = [];
    const scan = redis.scanStream({ match: `bench-ab:${run}:*`, count: 1000 });
    for await (const batch of scan) keys.push(...batch);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
