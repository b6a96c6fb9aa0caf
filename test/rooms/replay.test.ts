import { RoomModel } from '../../src/client/room-model';
import type { RoomEvent, SaidEvent, WelcomeMessage } from '../../src/protocol/messages';
import type { Frame } from '../support/client';
import { describeEachMode } from '../support/modes';
import {
  buildOk,
  connectAs,
  enter,
  eventually,
  joinAs,
  peek,
  roomState,
  sleep,
  step,
  walk,
  wall,
  type Welcome,
} from '../support/room';
import { startServerPair, type ServerPair } from '../support/cluster-pair';
import type { TestServer } from '../support/server';

/**
 * Replay: a socket outside any room asks for a room's past and gets the room as it was at that
 * point, then its events as they happened, then `replay-end`; checked against what a live client
 * of the room saw.
 */

type ReplayWelcome = Welcome & { replay: true; at: string; chat: SaidEvent[] };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ROOM_EVENTS = new Set(['entered', 'moved', 'built', 'left', 'notice', 'said']);

interface Replayed {
  welcome: ReplayWelcome;
  events: (RoomEvent & { at: string })[];
  end: Frame & { seq: number };
}

/** Replays `roomId` from `from` on a fresh socket, to its `replay-end`. */
async function replayAll(
  server: Pick<TestServer, 'wsUrl' | 'token'>,
  roomId: string,
  from: { seq: number } | { time: string },
  speed = 16,
): Promise<Replayed> {
  const viewer = await connectAs(server, 'viewer');
  try {
    const welcome = await viewer.request({ type: 'replay', roomId, from, speed });
    if (welcome.type !== 'welcome') throw new Error(`replay refused: ${JSON.stringify(welcome)}`);
    const end = (await viewer.next((f) => f.type === 'replay-end', 20_000)) as Frame & { seq: number };
    const events = viewer.frames.filter((f) => ROOM_EVENTS.has(f.type)) as unknown as Replayed['events'];
    return { welcome: welcome as ReplayWelcome, events, end };
  } finally {
    await viewer.close();
  }
}

/** What a live client saw: its welcome, then every event; the room at any seq from there on. */
class LiveRecord {
  readonly events: RoomEvent[] = [];
  constructor(
    private readonly welcome: WelcomeMessage,
    frames: Frame[],
  ) {
    for (const f of frames) if (ROOM_EVENTS.has(f.type)) this.events.push(f as unknown as RoomEvent);
  }

  /** The room right after event `seq`, as this client's model had it. */
  at(seq: number): RoomModel {
    const model = new RoomModel();
    model.reset(this.welcome);
    for (const e of this.events) if (e.seq <= seq) expect(model.apply(e)).toBe('applied');
    return model;
  }

  after(seq: number): RoomEvent[] {
    return this.events.filter((e) => e.seq > seq);
  }
}

/** A replayed event against the live one: the same, plus `at` (a said carries its own already). */
function expectSameEvents(replayed: Replayed['events'], live: RoomEvent[]): void {
  for (const e of replayed) expect(e.at).toMatch(ISO);
  const strip = (e: RoomEvent) => {
    if (e.type === 'said') return e;
    const { at: _at, ...rest } = e as RoomEvent & { at?: string };
    return rest;
  };
  expect(replayed.map(strip)).toEqual(live);
}

function expectRoomAsSeen(welcome: ReplayWelcome, model: RoomModel): void {
  expect(welcome).toMatchObject({ type: 'welcome', replay: true, roomId: model.roomId, spectators: 0 });
  expect(welcome.at).toMatch(ISO);
  expect(roomState(welcome)).toEqual(roomState({ seq: model.seq, map: model.map, members: model.memberList() }));
  expect(welcome.chat).toEqual(model.chat.slice(-50));
}

describeEachMode('replay', ({ start }) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ RATE_LIMIT_PER_SEC: '1000', CHAT_RATE_LINES: '100' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('replays moves, builds and chat from a seq and from a time, as a live client saw them', async () => {
    const [owner, w] = await joinAs(server, 11, 11);
    const watcher = await connectAs(server, 19);
    const seen = (await enter(watcher, 11, { as: 'spectator' })) as unknown as WelcomeMessage;
    const [guest] = await joinAs(server, 12, 11);
    await walk(owner, ['right', 'right', 'down']);
    expect(await guest.request({ type: 'say', text: 'hello <b>room</b>' })).toMatchObject({ type: 'said' });
    await step(guest, 'down');
    const built = await buildOk(owner, w.map.version, [wall(5, 5), wall(6, 5)]);
    expect(await owner.request({ type: 'say', text: 'a wall!' })).toMatchObject({ type: 'said' });
    await walk(guest, ['right', 'right']);
    expect(await guest.request({ type: 'leave' })).toMatchObject({ type: 'ack' });
    const last = await watcher.next((f) => f.type === 'left' && f.userId === '12');
    const live = new LiveRecord(seen, watcher.frames);
    expect(live.events.map((e) => e.type)).toEqual([
      'entered',
      'moved',
      'moved',
      'moved',
      'said',
      'moved',
      'built',
      'said',
      'moved',
      'moved',
      'left',
    ]);

    // From a seq: the point is right after the guest's first line.
    const point = live.events[4].seq;
    // The timeline is written in batches: replay until it holds the last event.
    const fromSeq = await eventually(async () => {
      const r = await replayAll(server, '11', { seq: point });
      expect(r.end).toEqual({ type: 'replay-end', roomId: '11', seq: last.seq });
      return r;
    }, 15_000);
    expect(fromSeq.welcome.seq).toBe(point);
    expect(fromSeq.welcome.you).toMatchObject({ userId: 'viewer', role: 'spectator' });
    expectRoomAsSeen(fromSeq.welcome, live.at(point));
    expect(fromSeq.welcome.chat.map((l) => l.text)).toEqual(['hello <b>room</b>']);
    expectSameEvents(fromSeq.events, live.after(point));
    expect(fromSeq.events.find((e) => e.type === 'built')).toMatchObject({ map: built.map, members: built.members });

    // From a time: the replayed events' times tell when each happened; the point is the build's.
    const buildAt = fromSeq.events.find((e) => e.type === 'built')!.at;
    const fromTime = await replayAll(server, '11', { time: buildAt });
    // Everything that happened by then (the build, and anything within the same millisecond).
    expect(fromTime.welcome.seq).toBeGreaterThanOrEqual(built.seq);
    expect(fromTime.welcome.at).toBe(buildAt);
    expectRoomAsSeen(fromTime.welcome, live.at(fromTime.welcome.seq));
    expectSameEvents(fromTime.events, live.after(fromTime.welcome.seq));
    expect(fromTime.end.seq).toBe(last.seq);
    // The same time written with an offset names the same moment.
    const offset = new Date(Date.parse(buildAt) + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    expect((await replayAll(server, '11', { time: offset })).welcome.seq).toBe(fromTime.welcome.seq);

    await Promise.all([owner.close(), watcher.close(), guest.close()]);
  });

  it('a point before what is kept is OUT_OF_RANGE with the earliest point; bad requests name the field', async () => {
    const [owner] = await joinAs(server, 21, 21);
    await step(owner, 'right');
    const viewer = await connectAs(server, 'viewer2');
    // The room's first snapshot follows its first event, so seq 0 lies before it.
    const early = await eventually(async () => {
      const reply = await viewer.request({ type: 'replay', roomId: '21', from: { seq: 0 } });
      expect(reply).toMatchObject({ type: 'error', code: 'OUT_OF_RANGE', earliest: { seq: expect.any(Number) } });
      return reply as Frame & { earliest: { seq: number; time: string } };
    });
    expect(early.earliest.seq).toBeGreaterThanOrEqual(1);
    expect(early.earliest.time).toMatch(ISO);
    expect(await viewer.request({ type: 'replay', roomId: '21', from: { time: '2001-02-03T04:05:06Z' } })).toEqual({
      type: 'error',
      id: expect.any(String),
      code: 'OUT_OF_RANGE',
      message: expect.any(String),
      earliest: early.earliest,
    });
    // The earliest point itself replays.
    const first = await viewer.request({ type: 'replay', roomId: '21', from: { seq: early.earliest.seq } });
    expect(first).toMatchObject({ type: 'welcome', replay: true, seq: early.earliest.seq });
    await viewer.next((f) => f.type === 'replay-end');

    // A room nobody entered has nothing kept yet; an unknown room is not found.
    const blank = await connectAs(server, 22);
    expect(await viewer.request({ type: 'replay', roomId: '22', from: { seq: 0 } })).toMatchObject({
      code: 'OUT_OF_RANGE',
      earliest: null,
    });
    expect(await viewer.request({ type: 'replay', roomId: 'no-such-room', from: { seq: 0 } })).toMatchObject({
      code: 'ROOM_NOT_FOUND',
    });
    for (const [bad, field] of [
      [{ from: { seq: 1 }, speed: 17 }, 'speed'],
      [{ from: { seq: 1 }, speed: 0.5 }, 'speed'],
      [{ from: { seq: -1 } }, 'from'],
      [{ from: { time: 'yesterday' } }, 'from'],
      [{ from: { seq: 1, time: '2001-02-03T04:05:06Z' } }, 'from'],
      [{}, 'from'],
    ] as const) {
      expect(await viewer.request({ type: 'replay', roomId: '21', ...bad })).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(new RegExp(`^${field}`)),
      });
    }
    // A socket in a room cannot replay one.
    expect(await owner.request({ type: 'replay', roomId: '21', from: { seq: 1 } })).toMatchObject({
      code: 'BAD_REQUEST',
    });
    await Promise.all([owner.close(), viewer.close(), blank.close()]);
  });

  it('a replaying socket has no avatar, is not a spectator, and leave stops its replay', async () => {
    const [owner] = await joinAs(server, 31, 31);
    const first = (await step(owner, 'right')) as Frame & { seq: number };
    // A pause in the room's life, which a speed-1 replay plays back (shortened to 2 s).
    await sleep(1500);
    const second = (await step(owner, 'right')) as Frame & { seq: number };
    const before = await peek(server, 31);

    // Wait until the timeline holds the second step, so both replays below have it to play.
    await eventually(async () => expect((await replayAll(server, '31', { seq: first.seq })).end.seq).toBe(second.seq));
    const stopped = await connectAs(server, 'viewer3');
    const control = await connectAs(server, 'viewer4');
    expect(await stopped.request({ type: 'replay', roomId: '31', from: { seq: first.seq }, speed: 1 })).toMatchObject({
      type: 'welcome',
      replay: true,
      seq: first.seq,
    });
    expect(await control.request({ type: 'replay', roomId: '31', from: { seq: first.seq }, speed: 1 })).toMatchObject({
      type: 'welcome',
      seq: first.seq,
    });

    // While both replay, the room is unchanged: same avatars, same spectators.
    const during = await peek(server, 31);
    expect(during.members).toEqual(before.members);
    expect(during.spectators).toBe(before.spectators);
    expect(during.seq).toBe(before.seq);

    expect(await stopped.request({ type: 'leave' })).toMatchObject({ type: 'ack' });
    const afterLeave = stopped.frames.length;
    // The control replay plays the second step and ends; the stopped one got nothing more.
    expect(await control.next((f) => f.type === 'moved' && f.seq === second.seq, 10_000)).toMatchObject({
      at: expect.stringMatching(ISO),
    });
    await control.next((f) => f.type === 'replay-end', 10_000);
    expect(stopped.frames.slice(afterLeave)).toEqual([]);
    // A stopped socket is an ordinary one again: with nothing to stop, leave is NOT_IN_ROOM.
    expect(await stopped.request({ type: 'leave' })).toMatchObject({ code: 'NOT_IN_ROOM' });
    await Promise.all([owner.close(), stopped.close(), control.close()]);
  });
});

describe('replay across two instances', () => {
  let pair: ServerPair;
  beforeAll(async () => {
    pair = await startServerPair({ RATE_LIMIT_PER_SEC: '1000' });
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('each instance writes the events it took a seq for, once: either one replays the whole room', async () => {
    const [owner, w] = await joinAs(pair.a, 41, 41);
    const watcher = await connectAs(pair.b, 49);
    const seen = (await enter(watcher, 41, { as: 'spectator' })) as unknown as WelcomeMessage;
    const [guest] = await joinAs(pair.b, 42, 41);
    await walk(owner, ['right', 'down']);
    expect(await guest.request({ type: 'say', text: 'from the other instance' })).toMatchObject({ type: 'said' });
    await walk(guest, ['right']);
    await buildOk(owner, w.map.version, [wall(4, 4)]);
    const last = (await walk(guest, ['right'])) as Frame & { seq: number };
    await watcher.untilSeq(last.seq);
    const live = new LiveRecord(seen, watcher.frames);
    const point = live.events[0].seq; // the guest's entry, taken on instance b
    for (const server of [pair.a, pair.b]) {
      const r = await eventually(async () => {
        const replayed = await replayAll(server, '41', { seq: point });
        expect(replayed.end.seq).toBe(last.seq);
        return replayed;
      }, 15_000);
      expectRoomAsSeen(r.welcome, live.at(point));
      // Every event once, in order: none twice although both instances saw each one.
      expectSameEvents(r.events, live.after(point));
    }
    await Promise.all([owner.close(), watcher.close(), guest.close()]);
  });
});
