import type { Socket } from 'node:net';
import { RoomModel } from '../../src/client/room-model';
import { eventsDropped, laggingWelcomes, socketsCut } from '../../src/common/metrics';
import type { RoomEvent, WelcomeMessage } from '../../src/protocol/messages';
import { SessionRegistry } from '../../src/rooms/session-registry';
import { ROOM_STATE, type RoomStateStore } from '../../src/state/room-state.port';
import { EVENT_TYPES, type Frame, type TestClient } from '../support/client';
import { coverWithWalls, startBuilding } from '../support/heavy-room';
import { connectAs, enter, joinAs, peek, type Welcome } from '../support/room';
import { startTestServer, type TestServer } from '../support/server';

/** Small marks, so that a client that stops reading lags soon after the kernel's buffers are full. */
const LOW = 8 * 1024;
const SOFT = 32 * 1024;
const HARD = 128 * 1024;
const CUT_AFTER_MS = 3000;

/**
 * A busy room with a client that stops reading (its TCP socket is paused: the kernel buffers
 * fill, then the server's): the server drops that client's room events past the soft mark rather
 * than buffering them, sends it the room afresh once it reads again, and cuts one that never does.
 *
 * The room is busy with moves and with its owner's builds on a map covered with walls: each
 * `built` event carries the whole map (~17 kB), so the kernel's buffers (a few MB) fill
 * within a few hundred events whatever the machine's speed (heavy-room.ts).
 */
describe('slow consumers: degrade before cutting [services mode]', () => {
  describe('a client that reads again', () => {
    let server: TestServer;
    beforeAll(async () => {
      // Its lag must not be cut while the test resumes it, however loaded the machine: the cut
      // has its own test below, on a server with a short WS_SLOW_CUT_AFTER_MS.
      server = await startSlowConsumerServer(600_000);
    });
    afterAll(async () => {
      await server.close();
    });

    it.each([
      // The first bot is the room's owner (user N owns room N): it builds as well as moves.
      ['plain frames', '5', [5, 6, 8], []],
      ['batch frames', '7', [7, 6, 8], ['myroom.v1.batch', 'myroom.v1']],
    ])(
      'loses events, not the room: it gets a lagging welcome and live events again (%s)',
      async (_, room, botIds, protocols) => {
        const joined = await Promise.all(botIds.map((u) => joinAs(server, u, room)));
        const bots = joined.map(([c]) => c);
        const [owner, ownerWelcome] = joined[0];
        const version = await coverWithWalls(owner, ownerWelcome);
        const slow = await connectAs(server, 9, { protocols });
        await enter(slow, room);
        expect(slow.protocol).toBe(protocols[0] ?? '');
        const serverSide = await serverSocketOf(server, room, '9');
        const dropsBefore = await counter(eventsDropped);
        const cutsBefore = await slowCuts();
        const welcomesBefore = await counter(laggingWelcomes);

        const { run, building, maxBuffered } = await busyWhileUnread(
          slow,
          serverSide,
          () => ({ run: startBots(bots), building: startBuilding(owner, ownerWelcome, version) }),
          dropsBefore,
          async () => (await counter(eventsDropped)) >= dropsBefore + 300,
        );
        const movesWhileLagging = run.moves();
        tcpOf(slow).resume();

        const lagging = (await slow.next((f) => f.type === 'welcome' && f.reason === 'lagging', 15_000)) as Frame &
          WelcomeMessage;
        // Nothing after the welcome is older than it (a batch would hold such events).
        const afterWelcome = slow.frames.slice(slow.frames.indexOf(lagging) + 1);
        expect(opened(afterWelcome).filter((e) => (e.seq as number) <= lagging.seq)).toEqual([]);
        expect(lagging).toMatchObject({ roomId: room, resumed: false, you: { userId: '9', role: 'player' } });
        expect(lagging.id).toBeUndefined();
        // Live again: events after the welcome's seq arrive while the bots go on.
        await slow.next((f) => opened([f]).some((e) => (e.seq as number) > lagging.seq + 50), 15_000);
        await building.stop();
        const moves = await run.stop();

        const now = await peek(server, room);
        await slow.next((f) => opened([f]).some((e) => e.seq === now.seq), 15_000);
        expect(modelOf(slow)).toEqual(viewOf(now));
        // The others never lagged: every event, in order, none missing.
        for (const b of bots) expect(seqsAfterWelcome(b, now.seq)).toEqual({ gaps: 0, upTo: now.seq });

        expect(movesWhileLagging).toBeGreaterThan(0);
        expect(moves).toBeGreaterThan(movesWhileLagging);
        expect(maxBuffered).toBeLessThanOrEqual(HARD);
        expect(slow.isOpen).toBe(true);
        expect(await slowCuts()).toBe(cutsBefore);
        expect(await counter(laggingWelcomes)).toBe(welcomesBefore + 1);
        for (const c of [...bots, slow]) await c.close();
      },
      90_000,
    );
  });

  describe('a client that never reads again', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startSlowConsumerServer(CUT_AFTER_MS);
    });
    afterAll(async () => {
      await server.close();
    });

    it('is cut (1008) once it has lagged WS_SLOW_CUT_AFTER_MS; the others go on', async () => {
      const room = '6';
      // The first bot is the room's owner: it builds as well as moves.
      const joined = await Promise.all([6, 2, 3].map((u) => joinAs(server, u, room)));
      const bots = joined.map(([c]) => c);
      const [owner, ownerWelcome] = joined[0];
      const version = await coverWithWalls(owner, ownerWelcome);
      const [dead] = await joinAs(server, 10, room);
      const serverSide = await serverSocketOf(server, room, '10');
      const cutsBefore = await slowCuts();
      const dropsBefore = await counter(eventsDropped);

      const { run, building, maxBuffered } = await busyWhileUnread(
        dead,
        serverSide,
        () => ({ run: startBots(bots), building: startBuilding(owner, ownerWelcome, version) }),
        dropsBefore,
        async () => (await slowCuts()) > cutsBefore,
      );
      expect(await slowCuts()).toBe(cutsBefore + 1);
      expect(await counter(eventsDropped)).toBeGreaterThan(dropsBefore);
      expect(maxBuffered).toBeLessThanOrEqual(HARD);

      // Its avatar leaves; the room goes on for the others.
      const left = await bots[1].next((f) => f.type === 'left' && f.userId === '10', 10_000);
      await bots[1].next((f) => f.type === 'moved' && (f.seq as number) > (left.seq as number), 10_000);
      await building.stop();
      await run.stop();
      const now = await peek(server, room);
      expect(now.members.map((m) => m.userId).sort()).toEqual(['2', '3', '6']);
      for (const b of bots) {
        await b.next((f) => f.seq === now.seq && f.type !== 'welcome', 10_000);
        expect(seqsAfterWelcome(b, now.seq)).toEqual({ gaps: 0, upTo: now.seq });
      }
      for (const c of bots) await c.close();
      dead.ws.terminate();
    }, 90_000);
  });
});

function startSlowConsumerServer(cutAfterMs: number): Promise<TestServer> {
  return startTestServer({
    WS_LOW_BUFFERED_BYTES: String(LOW),
    WS_SOFT_BUFFERED_BYTES: String(SOFT),
    WS_MAX_BUFFERED_BYTES: String(HARD),
    WS_SLOW_CUT_AFTER_MS: String(cutAfterMs),
    // The bots move and build as fast as they are answered; and the heartbeat must not be what
    // ends a client that stops reading (it would miss its pings): the marks are under test here.
    RATE_LIMIT_PER_SEC: '10000',
    WS_PING_INTERVAL_MS: '600000',
  });
}

/** The server's socket to `userId` in `roomId` (its `bufferedAmount` is what the marks look at). */
async function serverSocketOf(server: TestServer, roomId: string, userId: string) {
  const state = server.app.get<RoomStateStore>(ROOM_STATE);
  const holder = await state.avatarSession(roomId, userId);
  const session = holder && server.app.get(SessionRegistry).find(holder.sessionId);
  if (!session) throw new Error(`no local session holds ${userId}'s avatar in room ${roomId}`);
  return session.socket;
}

/** Where a slow consumer's wait stands, in bytes: for the message of a wait that ran out. */
async function progress(socket: { bufferedAmount: number }, dropsBefore: number): Promise<string> {
  const tcp = (socket as unknown as { _socket: Socket })._socket;
  const drops = (await counter(eventsDropped)) - dropsBefore;
  return `${tcp.bytesWritten} bytes written to the kernel, ${socket.bufferedAmount} buffered, ${drops} events dropped`;
}
/**
 * Stops reading `client`'s socket, starts the room's traffic, and waits until `done`, noting the
 * most the server ever buffered for that socket meanwhile; the traffic is left running.
 */
async function busyWhileUnread<T>(
  client: TestClient,
  serverSide: { bufferedAmount: number },
  startTraffic: () => T,
  dropsBefore: number,
  done: () => Promise<boolean>,
): Promise<T & { maxBuffered: number }> {
  tcpOf(client).pause();
  const traffic = startTraffic();
  let maxBuffered = 0;
  await until(
    async () => {
      maxBuffered = Math.max(maxBuffered, serverSide.bufferedAmount);
      return done();
    },
    () => progress(serverSide, dropsBefore),
  );
  return { ...traffic, maxBuffered };
}

/** The TCP socket under a test client's WebSocket: pausing it stops reads from the kernel. */
function tcpOf(client: TestClient): Socket {
  return (client.ws as unknown as { _socket: Socket })._socket;
}

/** Each bot moves right and left, one request at a time, as fast as it is answered (a request that times out fails the test). */
function startBots(bots: TestClient[]) {
  let stopped = false;
  let moves = 0;
  const loops = bots.map(async (bot) => {
    for (let i = 0; !stopped; i++) {
      const reply = await bot.request({ type: 'move', dir: i % 2 ? 'left' : 'right' }, 10_000);
      if (reply.type === 'moved') moves++;
    }
  });
  return {
    moves: () => moves,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return moves;
    },
  };
}

/** The room events among `frames`, batches opened. */
function opened(frames: Frame[]): Frame[] {
  return frames
    .flatMap((f) => (f.type === 'batch' ? (f.events as Frame[]) : [f]))
    .filter((f) => EVENT_TYPES.has(f.type));
}

/** The client's room model, built from every frame it got, as the client library builds it. */
function modelOf(client: TestClient) {
  const model = new RoomModel();
  for (const f of client.frames.flatMap((x) => (x.type === 'batch' ? (x.events as Frame[]) : [x]))) {
    if (f.type === 'welcome') model.reset(f as unknown as WelcomeMessage);
    else if (EVENT_TYPES.has(f.type) && model.apply(f as unknown as RoomEvent) === 'gap')
      throw new Error(`gap before seq ${String(f.seq)}`);
  }
  return {
    seq: model.seq,
    version: model.map.version,
    members: model.memberList().map((m) => ({ userId: m.userId, x: m.x, y: m.y })),
  };
}

function viewOf(w: Welcome) {
  const members = [...w.members].sort(
    (a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }) || a.userId.localeCompare(b.userId),
  );
  return { seq: w.seq, version: w.map.version, members: members.map((m) => ({ userId: m.userId, x: m.x, y: m.y })) };
}

/** Room events after the client's welcome up to `last`: how many seqs are missing, and the last one seen. */
function seqsAfterWelcome(client: TestClient, last: number): { gaps: number; upTo: number } {
  const welcome = client.frames.find((f) => f.type === 'welcome') as Frame & { seq: number };
  const seen = new Set(client.frames.filter((f) => EVENT_TYPES.has(f.type)).map((f) => f.seq as number));
  let gaps = 0;
  for (let s = welcome.seq + 1; s <= last; s++) if (!seen.has(s)) gaps++;
  return { gaps, upTo: Math.max(...seen) };
}

/**
 * Polls `done`. The events' size, not this bound, is what makes the wait short (a few hundred
 * events); the bound is a safety margin, and `where` says in bytes how far it got if it runs out.
 */
async function until(done: () => Promise<boolean>, where: () => Promise<string>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`condition not met in time: ${await where()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function counter(c: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await c.get()).values[0]?.value ?? 0;
}

async function slowCuts(): Promise<number> {
  return (await socketsCut.get()).values.find((v) => v.labels.reason === 'slow_consumer')?.value ?? 0;
}
