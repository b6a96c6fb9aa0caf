import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, gatewayConfig, gatewayServers, waitFor } from '../cluster/cluster';

/**
 * Room affinity in docker/haproxy.cfg (`stick on url_param(room)`), on the real HAProxy in front
 * of two stand-in instances that answer every request with their name and /health/ready with 200
 * or, once told to, 503. Plain GETs of /ws stand for the upgrades: the gateway picks the server
 * from the request line either way. The multi-instance tests check it with real instances.
 */
describe('the gateway keeps the players of a room on one instance (docker/haproxy.cfg)', () => {
  const unready = new Set<string>();
  const backends: { name: string; port: number; server: Server }[] = [];
  let dir: string;
  let haproxy: ChildProcess;
  let port: number;
  let statsPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'myroom-affinity-'));
    for (const name of ['a', 'b']) {
      const server = createServer((req, res) => {
        if (req.url === '/health/ready') res.writeHead(unready.has(name) ? 503 : 200).end();
        else res.writeHead(200).end(name);
      });
      const p = await freePort();
      await new Promise<void>((r) => server.listen(p, '127.0.0.1', r));
      backends.push({ name, port: p, server });
    }
    port = await freePort();
    statsPort = await freePort();
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(
      file,
      gatewayConfig(
        backends.map((b) => ({ id: b.name, port: b.port })),
        port,
        statsPort,
      ),
    );
    haproxy = spawn('haproxy', ['-db', '-f', file], { stdio: 'ignore' });
    await untilStatus({ a: 'UP', b: 'UP' });
  });

  afterAll(async () => {
    if (haproxy.exitCode === null && haproxy.signalCode === null) {
      haproxy.kill('SIGKILL');
      await new Promise((r) => haproxy.once('exit', r));
    }
    for (const b of backends) {
      b.server.closeAllConnections();
      await new Promise((r) => b.server.close(r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** The stand-in that served one request for `/ws`, with the room hint when given. */
  async function servedBy(room?: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${port}/ws${room === undefined ? '' : `?room=${room}`}`, {
      headers: { connection: 'close' },
    });
    expect(res.status).toBe(200);
    return res.text();
  }

  async function untilStatus(want: Record<string, 'UP' | 'DOWN'>): Promise<void> {
    await waitFor(
      async () => {
        if (haproxy.exitCode !== null) throw new Error(`haproxy exited with ${haproxy.exitCode}`);
        try {
          const servers = await gatewayServers(statsPort);
          return Object.entries(want).every(([name, s]) => servers.get(name)?.status === s);
        } catch {
          return false;
        }
      },
      `haproxy to see ${JSON.stringify(want)}`,
    );
  }

  it('sends every arrival naming a room to the instance of its first arrival, and spreads the rooms', async () => {
    const rooms = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    const home = new Map<string, string>();
    for (const room of rooms) home.set(room, await servedBy(room));
    for (let round = 0; round < 3; round++) {
      // An arrival naming no room in between: least connections alone (every server idle, so
      // they take turns) would now send every room to the other server.
      await servedBy();
      for (const room of rooms) expect(await servedBy(room)).toBe(home.get(room));
    }
    // First arrivals go by least connections: with none open, the two take turns.
    expect(new Set(home.values())).toEqual(new Set(['a', 'b']));
  });

  it('balances arrivals that name no room', async () => {
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) served.add(await servedBy());
    expect(served).toEqual(new Set(['a', 'b']));
  });

  it('moves a room whose instance turned unready to another instance, and it stays there once that one is back', async () => {
    const onA = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
    const first = new Map<string, string>();
    for (const room of onA) first.set(room, await servedBy(room));
    const movers = onA.filter((r) => first.get(r) === 'a');
    expect(movers.length).toBeGreaterThan(0);

    unready.add('a');
    await untilStatus({ a: 'DOWN', b: 'UP' });
    for (const room of onA) expect(await servedBy(room)).toBe('b');

    unready.delete('a');
    await untilStatus({ a: 'UP', b: 'UP' });
    for (const room of movers) expect(await servedBy(room)).toBe('b');
  });
});
