import net from 'node:net';
import {
  connectNode,
  type ConnectionState,
  type MyRoomClient,
  RoomSession,
  type StateChange,
  type WelcomeMessage,
} from '../../src/client/node';
import { createTestEnv, startTestServer, type TestEnv, type TestServer } from '../support/server';
import { TcpProxy } from '../support/tcp-proxy';
import { adminToken } from '../support/api';

const FAST = { baseMs: 100, maxMs: 1000, factor: 2 };

function reached(session: RoomSession, wanted: ConnectionState): Promise<StateChange> {
  if (session.state.state === wanted) return Promise.resolve(session.state);
  return new Promise((resolve) => {
    const off = session.on('state', (c) => {
      if (c.state === wanted) {
        off();
        resolve(c);
      }
    });
  });
}

function nextWelcome(session: RoomSession): Promise<WelcomeMessage> {
  return new Promise((resolve) => {
    const off = session.on('change', (f) => {
      if (f.type === 'welcome') {
        off();
        resolve(f);
      }
    });
  });
}

function eventFrom(client: MyRoomClient, type: 'entered' | 'left', userId: string): Promise<unknown> {
  return new Promise((resolve) => {
    client.on(type, (e) => {
      if (
        (type === 'entered'
          ? (e as { member: { userId: string } }).member.userId
          : (e as { userId: string }).userId) === userId
      )
        resolve(e);
    });
  });
}

describe('RoomSession: staying in a room across drops, replacement and restarts', () => {
  let server: TestServer;
  let proxy: TcpProxy;
  const sessions: RoomSession[] = [];
  const session = (userId: number, roomId: string, port = proxy.port) => {
    const s = new RoomSession({
      connect: () => connectNode({ url: `ws://127.0.0.1:${port}/ws`, token: server.token(userId) }),
      roomId,
      backoff: FAST,
    });
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    server = await startTestServer();
    proxy = await TcpProxy.start(server.port);
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  it('reconnects after the network drops and enters again with resume', async () => {
    const watcher = await connectNode({ url: server.wsUrl, token: server.token(5) });
    const player = session(2, '2');
    await player.start();
    await watcher.enter('2', { as: 'spectator' });
    await player.move('right');
    expect(player.model.me).toMatchObject({ x: 1, y: 0 });

    const left = eventFrom(watcher, 'left', '2');
    const back = eventFrom(watcher, 'entered', '2');
    const welcome = nextWelcome(player);
    const seqBefore = player.model.seq;
    proxy.dropAll();
    await expect(reached(player, 'reconnecting')).resolves.toMatchObject({ closeCode: 1006 });
    await reached(player, 'in-room');
    await expect(welcome).resolves.toMatchObject({ resumed: true });
    await expect(left).resolves.toMatchObject({ reason: 'disconnect' });
    await back;
    expect(player.model.seq).toBeGreaterThan(seqBefore);
    await expect(player.move('down')).resolves.toMatchObject({ userId: '2' });
    watcher.close();
  });

  it('gives way when the same user enters from elsewhere, and takes over on request', async () => {
    const first = session(3, '3');
    await first.start();
    const second = session(3, '3');
    const replaced = reached(first, 'replaced');
    await second.start();
    await replaced;
    // The replaced session stays put while the new one plays.
    await second.move('down');
    expect(first.state.state).toBe('replaced');
    await expect(first.move('up')).rejects.toThrow('not in the room right now');

    const secondReplaced = reached(second, 'replaced');
    first.takeOver();
    await reached(first, 'in-room');
    await secondReplaced;
  });

  it('surfaces notices, and stays out once kicked (4003) instead of reconnecting', async () => {
    const visitor = session(5, '4');
    await visitor.start();
    const notice = new Promise((resolve) => visitor.on('notice', resolve));
    const admin = adminToken();
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/api/rooms/4/notices', { text: 'closing soon' })).status).toBe(202);
    expect(await notice).toMatchObject({ type: 'notice', text: 'closing soon' });
    expect(visitor.model.notices.map((n) => n.text)).toEqual(['closing soon']);

    const kicked = reached(visitor, 'kicked');
    expect((await post('/api/rooms/4/kick', { userId: '5' })).status).toBe(202);
    const change = await kicked;
    expect(change).toMatchObject({ closeCode: 4003, kicked: { type: 'kicked', roomId: '4' } });
    await expect(visitor.move('up')).rejects.toThrow('not in the room right now');
    expect(visitor.state.state).toBe('kicked');
  });

  it('fails without retrying when the room does not exist', async () => {
    const lost = session(4, 'no-such-room');
    await expect(lost.start()).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
    expect(lost.state.state).toBe('failed');
  });

  it('stops retrying when canRetry says so (e.g. the token was refused)', async () => {
    const refused = new RoomSession({
      connect: () => connectNode({ url: server.wsUrl, token: 'not-a-token' }),
      roomId: '1',
      backoff: FAST,
      canRetry: () => false,
    });
    sessions.push(refused);
    await expect(refused.start()).rejects.toThrow(/could not connect|closed before open/);
    expect(refused.state.state).toBe('failed');
  });
});

describe('RoomSession against a server that never answers', () => {
  let silent: net.Server;
  const accepted: net.Socket[] = [];
  const closedByClient: Promise<void>[] = [];
  beforeAll(async () => {
    // Accepts TCP connections and never answers the WebSocket handshake.
    silent = net.createServer((socket) => {
      accepted.push(socket);
      socket.resume(); // read, so the client's close is seen
      socket.on('error', () => undefined);
      closedByClient.push(new Promise((resolve) => socket.on('close', () => resolve())));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('gives up an attempt that does not open in time, and waits longer after each failure', async () => {
    const port = (silent.address() as net.AddressInfo).port;
    let failures = 0;
    const session = new RoomSession({
      connect: () => connectNode({ url: `ws://127.0.0.1:${port}/ws`, token: 'unused', connectTimeoutMs: 200 }),
      roomId: '1',
      backoff: FAST,
      canRetry: () => ++failures < 3,
    });
    const states: StateChange[] = [];
    session.on('state', (s) => states.push(s));
    await expect(session.start()).rejects.toThrow('could not connect (timed out)');
    expect(states.map((s) => [s.state, s.attempt])).toEqual([
      ['connecting', 0],
      ['reconnecting', 1],
      ['reconnecting', 2],
      ['failed', 2],
    ]);
    // Equal jitter: the n-th wait is between half and all of 100 ms · 2^n.
    expect(states[1].retryInMs).toBeGreaterThanOrEqual(50);
    expect(states[1].retryInMs).toBeLessThanOrEqual(100);
    expect(states[2].retryInMs).toBeGreaterThanOrEqual(100);
    expect(states[2].retryInMs).toBeLessThanOrEqual(200);
    // Each attempt that timed out closed its half-open socket.
    expect(closedByClient).toHaveLength(3);
    await Promise.all(closedByClient);
    await session.stop();
  });
});

describe('RoomSession across a server restart', () => {
  let env: TestEnv;
  let proxy: TcpProxy;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await proxy.close();
    for (const s of servers) await s.close();
    await env.dropAll();
  });

  it('follows the draining server hint (1012) and enters on the new server', async () => {
    const a = await startTestServer({}, env);
    servers.push(a);
    proxy = await TcpProxy.start(a.port);
    const player = new RoomSession({
      connect: () => connectNode({ url: `ws://127.0.0.1:${proxy.port}/ws`, token: a.token(6) }),
      roomId: '6',
      backoff: FAST,
    });
    await player.start();
    await player.build([{ op: 'place', kind: 'wall', x: 4, y: 4 }]);

    const b = await startTestServer({}, env);
    servers.push(b);
    proxy.retarget(b.port);
    const reconnecting = reached(player, 'reconnecting');
    await a.shutdown();
    await expect(reconnecting).resolves.toMatchObject({ closeCode: 1012 });
    await reached(player, 'in-room');
    expect(player.model.map.objects).toMatchObject([{ kind: 'wall', x: 4, y: 4 }]);
    await player.stop();
  });
});
