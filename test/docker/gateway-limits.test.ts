import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { freePort, gatewayConfig, waitFor } from '../cluster/cluster';
import { HandshakeRefused, TestClient } from '../support/client';

/**
 * The per-source limits of docker/haproxy.cfg, on the real HAProxy in front of a stand-in backend
 * (answers /health/ready, accepts every WebSocket). Every request here comes from 127.0.0.1, one
 * source address, so each test gets a gateway (and stick table) of its own.
 */
describe('the gateway limits each source address (docker/haproxy.cfg)', () => {
  let backend: Server;
  let backendPort: number;
  let dir: string;
  const running: ChildProcess[] = [];
  const sockets: TestClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'myroom-gw-'));
    const wss = new WebSocketServer({ noServer: true });
    backend = createServer((req, res) => res.writeHead(req.url === '/health/ready' ? 200 : 404).end());
    backend.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('error', () => undefined)),
    );
    backendPort = await freePort();
    await new Promise<void>((r) => backend.listen(backendPort, '127.0.0.1', r));
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    for (const p of running.splice(0)) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGKILL');
        await new Promise((r) => p.once('exit', r));
      }
    }
  });

  afterAll(async () => {
    backend.closeAllConnections();
    await new Promise((r) => backend.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  /** The shipped configuration on loopback ports, with the stand-in as its one server; ready when it answers through the gateway. */
  async function startGateway(): Promise<number> {
    const port = await freePort();
    const file = join(dir, `haproxy-${port}.cfg`);
    writeFileSync(file, gatewayConfig([{ id: 'app', port: backendPort }], port, await freePort()));
    const proc = spawn('haproxy', ['-db', '-f', file], { stdio: 'ignore' });
    running.push(proc);
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`haproxy exited with ${proc.exitCode}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
      } catch {
        return false;
      }
    }, 'the gateway to reach the stand-in backend');
    return port;
  }

  it('answers WebSocket upgrades past 30 per 10 s with 429', async () => {
    const port = await startGateway();
    let accepted = 0;
    let refusedWith: number | undefined;
    // HAProxy's rate is a sliding estimate: a burst that straddles its period boundary counts a
    // little less, so the refusal may come a few upgrades after the 31st, never before it.
    for (let i = 0; i < 60 && refusedWith === undefined; i++) {
      try {
        sockets.push(await TestClient.connect(`ws://127.0.0.1:${port}/ws`, undefined));
        accepted++;
      } catch (err) {
        if (!(err instanceof HandshakeRefused)) throw err;
        refusedWith = err.status;
      }
    }
    expect(refusedWith).toBe(429);
    expect(accepted).toBeGreaterThanOrEqual(30);
    // The sockets it let through are untouched.
    expect(sockets.every((s) => s.isOpen)).toBe(true);
  });

  it('closes new connections past 100 per 10 s before reading a request', async () => {
    const port = await startGateway();
    /** One connection with one request: the status line, or null when the gateway closed it unanswered. */
    const request = () =>
      new Promise<string | null>((resolve) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write('GET /gateway/health HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n'),
        );
        let data = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => {
          data += chunk;
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(data ? data.split('\r\n')[0] : null));
      });
    let answered = 0;
    let closed = false;
    for (let i = 0; i < 160 && !closed; i++) {
      const status = await request();
      if (status === null) closed = true;
      else {
        expect(status).toMatch(/^HTTP\/1\.1 200/);
        answered++;
      }
    }
    expect(closed).toBe(true);
    expect(answered).toBeGreaterThanOrEqual(95);
  });
});
