import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { MyRoomClient, RoomSession, type WebSocketLike, type WelcomeMessage } from '../../src/client/node';
import { eventsDropped } from '../../src/common/metrics';
import type { TestClient } from '../support/client';
import { coverWithWalls, startBuilding } from '../support/heavy-room';
import { joinAs, peek, type Welcome } from '../support/room';
import { startTestServer, type TestServer } from '../support/server';

/**
 * The client library and the server's slow-consumer handling: a RoomSession whose socket stops
 * reading in a busy room gets an unrequested `welcome` (reason `lagging`) when it reads again,
 * replaces its model with it and stays in the room, on the same socket, with the room right.
 * The room is busy with moves and with its owner's builds on a map covered with walls, whose
 * `built` events are ~17 kB each: the kernel's buffers fill within a few hundred events.
 */
describe('RoomSession: a lagging welcome replaces the model [services mode]', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      WS_LOW_BUFFERED_BYTES: String(8 * 1024),
      WS_SOFT_BUFFERED_BYTES: String(32 * 1024),
      WS_MAX_BUFFERED_BYTES: String(128 * 1024),
      // Never while the test resumes the socket, however loaded the machine (the cut is tested
      // in test/rooms/slow-consumer.test.ts).
      WS_SLOW_CUT_AFTER_MS: '600000',
      RATE_LIMIT_PER_SEC: '10000',
      WS_PING_INTERVAL_MS: '600000',
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('keeps the session in the room, and its model equals a fresh view', async () => {
    const room = '3';
    const sockets: WebSocket[] = [];
    const session = new RoomSession({
      connect: () =>
        MyRoomClient.connect({
          url: server.wsUrl,
          token: server.token(9),
          createSocket: (url, protocols) => {
            const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
            sockets.push(ws);
            return ws as unknown as WebSocketLike;
          },
        }),
      roomId: room,
    });
    const welcomes: WelcomeMessage[] = [];
    session.on('change', (c) => {
      if (c.type === 'welcome') welcomes.push(c);
    });
    await session.start();
    // The first bot is the room's owner (user 3 owns room 3): it builds as well as moves.
    const joined = await Promise.all([3, 4, 5].map((u) => joinAs(server, u, room)));
    const bots = joined.map(([c]) => c);
    const [owner, ownerWelcome] = joined[0];
    const version = await coverWithWalls(owner, ownerWelcome);

    const tcp = (sockets[0] as unknown as { _socket: Socket })._socket;
    const dropsBefore = (await eventsDropped.get()).values[0]?.value ?? 0;
    tcp.pause();
    const run = startBots(bots);
    const building = startBuilding(owner, ownerWelcome, version);
    // A safety bound only: the events' size is what makes this wait short.
    await until(async () => ((await eventsDropped.get()).values[0]?.value ?? 0) >= dropsBefore + 200, 40_000);
    const lagging = new Promise<WelcomeMessage>((resolve) => {
      const off = session.on('change', (c) => {
        if (c.type === 'welcome' && c.reason === 'lagging') {
          off();
          resolve(c);
        }
      });
    });
    tcp.resume();
    await lagging;
    await building.stop();
    await run.stop();

    const now = await peek(server, room);
    await until(async () => Promise.resolve(session.model.seq === now.seq));
    expect(viewOf(session.model.seq, session.model.memberList())).toEqual(viewOf(now.seq, now.members));
    expect(session.state.state).toBe('in-room');
    expect(sockets).toHaveLength(1);
    expect(welcomes.map((w) => w.reason ?? 'enter')).toEqual(['enter', 'lagging']);
    await session.stop();
    for (const b of bots) await b.close();
  }, 60_000);
});

function startBots(bots: TestClient[]) {
  let stopped = false;
  const loops = bots.map(async (bot) => {
    for (let i = 0; !stopped; i++) await bot.request({ type: 'move', dir: i % 2 ? 'left' : 'right' }, 10_000);
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

function viewOf(seq: number, members: Welcome['members']) {
  return {
    seq,
    members: members.map((m) => `${m.userId}@${m.x},${m.y}`).sort(),
  };
}

async function until(done: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
