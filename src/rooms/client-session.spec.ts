import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import pino from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { socketsCut } from '../common/metrics';
import { EventFrames } from '../codec/event-frames';
import { jsonCodec } from '../codec/json-codec';
import { ClientSession } from './client-session';
import { WriteCoalescer } from './write-coalescer';

/**
 * ClientSession corks the socket it is given as `req.socket`, trusting that it is the one `ws`
 * writes frames to (`ws` keeps its own reference private). If a `ws` or Node upgrade changed that,
 * corking would hold nothing back and every frame would cost its own system call again, silently:
 * these tests are what notices.
 */
describe('ClientSession write coalescing', () => {
  let http: Server;
  let wss: WebSocketServer;
  let url: string;
  const connections: Array<{ ws: WebSocket; req: IncomingMessage }> = [];
  let connected: (c: { ws: WebSocket; req: IncomingMessage }) => void = () => undefined;

  beforeAll(async () => {
    // Wired the way @nestjs/platform-ws wires it: the HTTP server's upgrade event, then handleUpgrade.
    wss = new WebSocketServer({ noServer: true });
    http = createServer();
    http.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        connections.push({ ws, req });
        connected({ ws, req });
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const { ws } of connections) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  it("holds a turn of frames in the upgrade request's socket, then sends them all, in order", async () => {
    const serverSide = new Promise<{ ws: WebSocket; req: IncomingMessage }>((resolve) => {
      connected = resolve;
    });
    const client = new WebSocket(url);
    const received: string[] = [];
    const allReceived = new Promise<void>((resolve) => {
      client.on('message', (data) => {
        received.push(data.toString());
        if (received.length === 3) resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    const { ws, req } = await serverSide;
    const tcp: Socket = req.socket;
    const session = new ClientSession(ws, { userId: '1', name: 'ann' }, 1 << 20, pino({ level: 'silent' }), { tcp });

    session.send('one');
    session.send('two');
    session.send('three');
    // Still this turn: all three frames wait in the very socket we corked.
    expect(tcp.writableCorked).toBe(1);
    expect(tcp.writableLength).toBeGreaterThanOrEqual('onetwothree'.length);

    await allReceived;
    expect(received).toEqual(['one', 'two', 'three']);
    expect(tcp.writableCorked).toBe(0);
    client.close();
  });

  it('with a send window, holds room events past their turn, and a reply sends them at the end of its turn', async () => {
    const { ws, req, client, received } = await connect();
    const tcp: Socket = req.socket;
    // A window far longer than the test: only the reply can send what waits.
    const session = new ClientSession(ws, { userId: '4', name: 'dee' }, 1 << 20, pino({ level: 'silent' }), {
      tcp,
      writes: new WriteCoalescer(60_000),
    });
    const nextTurn = () => new Promise((r) => setImmediate(r));

    session.sendEvent(new EventFrames('"first"', false));
    await nextTurn();
    session.sendEvent(new EventFrames('"second"', false));
    await nextTurn();
    // Two turns later both events still wait in the socket: without the window they would be gone.
    expect(tcp.writableCorked).toBe(1);
    expect(received).toEqual([]);

    session.send('"reply"');
    await nextTurn();
    expect(tcp.writableCorked).toBe(0);
    await eventually(() => expect(received).toEqual(['"first"', '"second"', '"reply"']));
    client.close();
  });

  it('with a send window, answers a close the client started at once, not when the window ends', async () => {
    const { ws, req, client, received } = await connect();
    // A window far longer than the test: the close handshake can only end if it does not wait.
    const session = new ClientSession(ws, { userId: 'c', name: 'cy' }, 1 << 20, pino({ level: 'silent' }), {
      tcp: req.socket,
      writes: new WriteCoalescer(60_000),
    });
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));

    session.sendEvent(new EventFrames('"waiting"', false));
    await new Promise((r) => setImmediate(r));
    expect(req.socket.writableCorked).toBe(1);
    client.close(4000, 'bye');

    expect(await closed).toBe(4000);
    // What waited went out first, before the close frame, on the one stream.
    expect(received).toEqual(['"waiting"']);
  });

  it("writes a room event to the TCP stream as one chunk, the room's one frame, between ws's own frames", async () => {
    const clients = [await connect(), await connect()];
    const sessions = clients.map(
      ({ ws, req }, i) =>
        new ClientSession(ws, { userId: `w${i}`, name: 'wes' }, 1 << 20, pino({ level: 'silent' }), {
          tcp: req.socket,
        }),
    );
    const event = new EventFrames('{"type":"moved","seq":7}', true);
    const writes = clients.map(({ req }) => jest.spyOn(req.socket, 'write'));

    sessions[0].send('"before"');
    for (const s of sessions) s.sendEvent(event);
    sessions[0].send('"after"');

    // ws writes a frame as header and payload; the event is one write of the frame made once.
    const eventWrites = writes.map((w) => w.mock.calls.filter(([chunk]) => chunk === event.wireFor(jsonCodec)));
    expect(eventWrites.map((w) => w.length)).toEqual([1, 1]);
    await eventually(() => expect(clients[0].received).toEqual(['"before"', '{"type":"moved","seq":7}', '"after"']));
    await eventually(() => expect(clients[1].received).toEqual(['{"type":"moved","seq":7}']));
    for (const w of writes) w.mockRestore();
    for (const { client } of clients) client.close();
  });

  it('writes no room event after its close frame', async () => {
    const { ws, req, client, received } = await connect();
    const session = new ClientSession(ws, { userId: 'z', name: 'zed' }, 1 << 20, pino({ level: 'silent' }), {
      tcp: req.socket,
    });
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    const writes = jest.spyOn(req.socket, 'write');

    session.close(4321, 'testing');
    const writesOfClose = writes.mock.calls.length;
    session.sendEvent(new EventFrames('"too late"', false));
    expect(writes.mock.calls.length).toBe(writesOfClose);
    expect(await closed).toBe(4321);
    expect(received).toEqual([]);
    writes.mockRestore();
  });

  it('flushes a close frame at once, so the client sees our close code', async () => {
    const { ws, req, client } = await connect();
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    const session = new ClientSession(ws, { userId: '2', name: 'bob' }, 1 << 20, pino({ level: 'silent' }), {
      tcp: req.socket,
    });

    session.send('bye soon');
    session.close(4321, 'testing');
    expect(req.socket.writableCorked).toBe(0);
    expect(await closed).toBe(4321);
  });

  it('cuts a client that stops reading once WS_MAX_BUFFERED_BYTES wait unsent, and counts the cut', async () => {
    const serverSide = new Promise<{ ws: WebSocket; req: IncomingMessage }>((resolve) => {
      connected = resolve;
    });
    const client = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    client.pause();
    const { ws, req } = await serverSide;
    const session = new ClientSession(ws, { userId: '3', name: 'cat' }, 16 * 1024, pino({ level: 'silent' }), {
      tcp: req.socket,
    });
    const cutsBefore = await slowConsumerCuts();

    // One turn at a time, as events arrive: what piles up is what the kernel would not take.
    const frame = 'x'.repeat(1000);
    let sent = 0;
    while (session.isOpen && sent < 100_000) {
      for (let i = 0; i < 100; i++) session.send(frame);
      sent += 100;
      await new Promise((r) => setImmediate(r));
    }
    expect(session.isOpen).toBe(false);
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    expect(await slowConsumerCuts()).toBe(cutsBefore + 1);
    client.terminate();
  });

  /** A client connected to the test's server, the server's side of it, and what the client received. */
  async function connect(): Promise<{ ws: WebSocket; req: IncomingMessage; client: WebSocket; received: string[] }> {
    const serverSide = new Promise<{ ws: WebSocket; req: IncomingMessage }>((resolve) => {
      connected = resolve;
    });
    const client = new WebSocket(url);
    const received: string[] = [];
    client.on('message', (data) => received.push(data.toString()));
    await new Promise<void>((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    return { ...(await serverSide), client, received };
  }
});

async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

async function slowConsumerCuts(): Promise<number> {
  return (await socketsCut.get()).values.find((v) => v.labels.reason === 'slow_consumer')?.value ?? 0;
}
