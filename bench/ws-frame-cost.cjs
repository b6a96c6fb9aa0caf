// What a room event costs the server per socket, sent the two ways: `ws.send` (which frames it for
// each socket and writes header and payload as two chunks) against the frame made once for the room
// (dist/codec/ws-frame.js) and written to each socket's TCP stream as one chunk.
//   node bench/ws-frame-cost.cjs [--rounds 3] [--events 200000]
// Each run is a server process with 1,000 WebSockets (a second process holds the clients): 50
// rooms of 20, five rooms getting one event each turn, every socket corked from its first frame of
// a turn to the turn's end, as ClientSession does. Prints the server's CPU per delivery (user and
// kernel time), the two ways taking turns. Run `npm run build` first.
const { fork } = require('node:child_process');
const { resolve } = require('node:path');

const root = resolve(__dirname, '..');
const WebSocket = require(`${root}/node_modules/ws`);
const SOCKETS = 1000;
const ROOM_SIZE = 20;
const ROOMS_PER_TURN = 5;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function server(mode, events) {
  const { wsFrame } = require(`${root}/dist/codec/ws-frame.js`);
  const wss = new WebSocket.WebSocketServer({ port: 0, perMessageDeflate: false });
  const sockets = [];
  wss.on('listening', () => process.send({ port: wss.address().port }));
  wss.on('connection', (ws, req) => {
    sockets.push({ ws, tcp: req.socket, corked: false });
    if (sockets.length === SOCKETS) setTimeout(run, 500);
  });
  const payload = Buffer.from(
    JSON.stringify({ type: 'moved', roomId: 'room-00042', seq: 123456, userId: 'user-000123', x: 12, y: 7, dir: 'up' }),
  );
  function run() {
    const corked = [];
    let sent = 0;
    const cpu0 = process.cpuUsage();
    const turn = () => {
      for (let r = 0; r < ROOMS_PER_TURN; r++, sent++) {
        const room = sent % (SOCKETS / ROOM_SIZE);
        // Made once per event, as EventFrames does, whichever way it then goes out.
        const frame = mode === 'framed' ? wsFrame(payload, false) : payload;
        for (let i = 0; i < ROOM_SIZE; i++) {
          const s = sockets[room * ROOM_SIZE + i];
          if (!s.corked) {
            s.corked = true;
            s.tcp.cork();
            corked.push(s);
          }
          if (mode === 'framed') s.tcp.write(frame);
          else s.ws.send(frame, { binary: false });
        }
      }
      for (const s of corked.splice(0)) {
        s.corked = false;
        s.tcp.uncork();
      }
      if (sent < events) return setImmediate(turn);
      const { user, system } = process.cpuUsage(cpu0);
      const deliveries = sent * ROOM_SIZE;
      process.send({ userUs: user / deliveries, systemUs: system / deliveries });
    };
    turn();
  }
}

function clients(port) {
  for (let i = 0; i < SOCKETS; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    ws.on('error', () => undefined);
    ws.on('message', () => undefined);
  }
}

function once(child) {
  return new Promise((resolveMessage) => child.once('message', resolveMessage));
}

async function main() {
  const rounds = arg('--rounds', 3);
  const events = arg('--events', 200_000);
  const results = { ws: [], framed: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ['ws', 'framed']) {
      const srv = fork(__filename, ['--server', mode, String(events)]);
      const { port } = await once(srv);
      const cli = fork(__filename, ['--clients', String(port)]);
      const r = await once(srv);
      cli.kill();
      srv.kill();
      const total = r.userUs + r.systemUs;
      results[mode].push(r);
      console.log(
        `round ${round} ${mode.padEnd(6)} ${total.toFixed(2)} µs per delivery ` +
          `(user ${r.userUs.toFixed(2)}, kernel ${r.systemUs.toFixed(2)})`,
      );
    }
  }
  const median = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    return Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)];
  };
  for (const mode of ['ws', 'framed']) {
    const of = (pick) => median(results[mode].map(pick)).toFixed(2);
    console.log(
      `median ${mode}: ${of((r) => r.userUs + r.systemUs)} µs per delivery ` +
        `(user ${of((r) => r.userUs)}, kernel ${of((r) => r.systemUs)})`,
    );
  }
}

if (process.argv[2] === '--server') server(process.argv[3], Number(process.argv[4]));
else if (process.argv[2] === '--clients') clients(Number(process.argv[3]));
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
