import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import type WebSocket from 'ws';
import { loadConfig } from '../config/config';
import { InProcessFanout } from '../fanout/in-process-fanout';
import { InProcessRoomLocks } from '../locks/in-process-room-locks';
import { createLogger } from '../logging/logger';
import { openDatabase } from '../maps/data-source';
import { MapStore } from '../maps/map-store';
import { seedDemoData } from '../maps/seed';
import { CloseCode } from '../protocol/close-codes';
import {
  BlockedError,
  ConflictError,
  ForbiddenError,
  NotInRoomError,
  RoomNotFoundError,
  SessionGoneError,
  UnavailableError,
} from '../protocol/errors';
import type { EnterMessage } from '../protocol/messages';
import { MemoryRoomState } from '../state/memory-room-state';
import type { RoomSnapshot } from '../state/room-state.port';
import { ClientSession } from './client-session';
import { RoomChannels } from './room-channels';
import { RoomEvents } from './room-events';
import { RoomMaps } from './room-maps';
import { ENTRY_RULES_TRUST_MS, EntryRules } from './entry-rules';
import { AccessStore } from '../maps/access-store';
import { ChatStore } from '../maps/chat-store';
import { ChatService } from './chat/chat.service';
import { HistoryStore } from '../maps/history-store';
import { ReplayService } from './history/replay.service';
import { TimelineRecorder } from './history/timeline-recorder';
import { RoomsService } from './rooms.service';
import { SessionRegistry } from './session-registry';

/**
 * RoomsService and SessionRegistry on the embedded mode's adapters (memory state, in-process
 * locks and fan-out, SQLite in memory) with sockets that only record what they were sent: the
 * rules of a room's lifecycle, in milliseconds. The full protocol runs in test/rooms on real
 * sockets and services.
 */

/** Records frames and closes; a close completes at once, as if the client answered. */
class FakeSocket extends EventEmitter {
  readyState = 1; // OPEN
  bufferedAmount = 0;
  readonly frames: Record<string, unknown>[] = [];
  closedWith?: { code: number; reason: string };

  send(data: string | Buffer): void {
    this.frames.push(JSON.parse(String(data)) as Record<string, unknown>);
  }

  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3; // CLOSED
    this.emit('close');
  }

  of(type: string): Record<string, unknown>[] {
    return this.frames.filter((f) => f.type === type);
  }
}

const config = loadConfig({
  NODE_ENV: 'test',
  SQLITE_PATH: ':memory:',
  INSTANCE_ID: 'unit-1',
  LOG_LEVEL: 'silent',
  ROOM_LOG_LENGTH: '10',
});
const log = createLogger('silent', 'unit-1');

describe(RoomsService.name, () => {
  let ds: DataSource;
  let state: MemoryRoomState;
  let registry: SessionRegistry;
  let sut: RoomsService;
  let chat: ChatService;
  let access: AccessStore;
  let entryRules: EntryRules;

  beforeEach(async () => {
    ds = await openDatabase(config, true);
    await seedDemoData(ds, 6, 4);
    state = new MemoryRoomState(config.rooms.logLength);
    const fanout = new InProcessFanout();
    const channels = new RoomChannels(state, log);
    registry = new SessionRegistry(config, fanout, log, channels);
    const store = new MapStore(ds, config);
    const history = new HistoryStore(ds, store);
    const timeline = new TimelineRecorder(config, state, log, history);
    const events = new RoomEvents(config, fanout, state, log, channels, timeline);
    const chatStore = new ChatStore(ds, store);
    const roomMaps = new RoomMaps(state, store, chatStore, history);
    sut = new RoomsService(
      config,
      state,
      new InProcessRoomLocks(),
      store,
      channels,
      registry,
      events,
      roomMaps,
      (chat = new ChatService(config, state, log, chatStore, events)),
      new ReplayService(history, chatStore, roomMaps, timeline),
      (entryRules = new EntryRules(state, log, (access = new AccessStore(ds, store)))),
    );
    registry.onModuleInit();
    events.onModuleInit();
    sut.onModuleInit();
  });

  afterEach(async () => {
    await ds.destroy();
  });

  /** The room as the state holds it, read through the port: an onlooker's enter sees it all. */
  async function look(roomId: string): Promise<Pick<RoomSnapshot, 'seq' | 'members'>> {
    if (!(await state.getMap(roomId))) return { seq: 0, members: [] }; // nobody ever entered
    const seen = await state.enter(roomId, {
      userId: 'onlooker',
      name: 'onlooker',
      sessionId: 'onlooker-s',
      instanceId: 'unit-1',
      role: 'spectator',
      spawn: { x: 0, y: 0 },
    });
    await state.leave(roomId, 'onlooker', 'onlooker-s', 'spectator', 'leave', 'unit-1');
    return seen;
  }

  function connect(userId: string): { session: ClientSession; socket: FakeSocket } {
    const socket = new FakeSocket();
    const session = new ClientSession(socket as unknown as WebSocket, { userId, name: `user${userId}` }, 1 << 20, log);
    registry.connected(session);
    return { session, socket };
  }

  async function enter(userId: string, roomId: string, extra: Partial<EnterMessage> = {}) {
    const c = connect(userId);
    await sut.enter(c.session, { type: 'enter', roomId, as: 'player', ...extra });
    return c;
  }

  describe('enter', () => {
    it('welcomes the owner at the spawn cell and tells the room', async () => {
      const owner = await enter('1', '1', { id: 'e1' });
      expect(owner.socket.frames[0]).toMatchObject({
        type: 'welcome',
        id: 'e1',
        roomId: '1',
        seq: 1,
        you: { userId: '1', role: 'player', owner: true },
        map: { version: 0, width: 6, height: 4, objects: [] },
        members: [{ userId: '1', x: 0, y: 0 }],
      });
      const visitor = await enter('2', '1');
      expect(visitor.socket.frames[0]).toMatchObject({ type: 'welcome', seq: 2, you: { owner: false } });
      expect(owner.socket.of('entered')).toEqual([
        expect.objectContaining({ seq: 2, member: expect.objectContaining({ userId: '2' }) }),
      ]);
    });

    it('spawns on the free cell nearest to the spawn point when a wall covers it', async () => {
      const owner = await enter('1', '1');
      await sut.build(owner.session, {
        type: 'build',
        baseVersion: 0,
        ops: [{ op: 'place', kind: 'wall', x: 0, y: 0 }],
      });
      const visitor = await enter('2', '1');
      expect((await look('1')).members.find((m) => m.userId === '2')).toMatchObject({ x: 1, y: 0 });
      expect(visitor.socket.frames[0]).toMatchObject({ type: 'welcome', map: { version: 1 } });
    });

    it('replays the events a resuming client missed, after its welcome', async () => {
      const owner = await enter('1', '1');
      await enter('2', '1');
      await sut.move(owner.session, { type: 'move', dir: 'right' });
      const again = await enter('3', '1', { resume: { seq: 1 } });
      expect(again.socket.frames.map((f) => [f.type, f.seq])).toEqual([
        ['welcome', 4],
        ['entered', 2],
        ['moved', 3],
        ['entered', 4],
      ]);
      expect(again.socket.frames[0].resumed).toBe(true);
    });

    it('says resumed: false when the room log no longer reaches back', async () => {
      const owner = await enter('1', '1');
      for (let i = 0; i < 12; i++) await sut.move(owner.session, { type: 'move', dir: i % 2 ? 'left' : 'right' });
      const late = await enter('2', '1', { resume: { seq: 1 } });
      expect(late.socket.frames[0]).toMatchObject({ type: 'welcome', resumed: false });
      expect(late.socket.frames.filter((f) => f.type === 'moved')).toEqual([]);
    });

    it('refuses an unknown room and changes nothing', async () => {
      const c = connect('1');
      await expect(sut.enter(c.session, { type: 'enter', roomId: 'nope', as: 'player' })).rejects.toBeInstanceOf(
        RoomNotFoundError,
      );
      expect(c.session.seat).toBeUndefined();
    });

    it('seats nobody for a socket that closed while its enter waited', async () => {
      const c = connect('2');
      c.socket.readyState = 3;
      await sut.enter(c.session, { type: 'enter', roomId: '1', as: 'player' });
      expect(c.session.seat).toBeUndefined();
      expect((await look('1')).members).toEqual([]);
    });
  });

  describe('entry rules', () => {
    it('reads the rules once for many enters of a room, and again after a change through any instance', async () => {
      const reads = jest.spyOn(access, 'read');
      await enter('1', '1');
      await enter('2', '1');
      expect(reads).toHaveBeenCalledTimes(1);
      await entryRules.change('1', () => access.ban('1', '3'));
      await expect(enter('3', '1')).rejects.toBeInstanceOf(ForbiddenError);
      expect(reads).toHaveBeenCalledTimes(2);
    });

    it("refuses an enter checked against rules that changed before its write, even when this instance's copy missed it", async () => {
      await enter('1', '1');
      const visitor = connect('3');
      await sut.enter(visitor.session, { type: 'enter', roomId: '2', as: 'player' });
      await entryRules.current('1'); // this instance's copy: user 3 may enter
      // Another instance bans user 3: stored, then a new version marked (its EntryRules.change).
      await access.ban('1', '3');
      await state.accessChanged('1');
      const before = await look('1');
      await expect(sut.enter(visitor.session, { type: 'enter', roomId: '1', as: 'player' })).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      const after = await look('1');
      expect(after.members).toEqual(before.members);
      // The onlooker's two visits are the only writes since.
      expect(after.seq).toBe(before.seq);
    });

    it('lets an enter in whose rules changed before its write but still admit the user', async () => {
      await enter('1', '1');
      await entryRules.current('1');
      await access.ban('1', '4');
      await state.accessChanged('1');
      const visitor = await enter('3', '1');
      expect(visitor.socket.frames[0]).toMatchObject({ type: 'welcome', roomId: '1' });
    });

    it('a change the room state cannot mark is refused before anything is stored', async () => {
      jest.spyOn(state, 'accessChanged').mockRejectedValueOnce(new UnavailableError('state down'));
      await expect(entryRules.change('1', () => access.ban('1', '3'))).rejects.toBeInstanceOf(UnavailableError);
      expect((await access.read('1')).banned).toEqual([]);
    });

    it('while the database is away, enters use the rules last read here; rooms never read are refused', async () => {
      await enter('1', '1');
      await entryRules.change('1', () => access.ban('1', '3'));
      await entryRules.current('1');
      jest.spyOn(access, 'read').mockRejectedValue(new UnavailableError('database down'));
      await state.accessChanged('1'); // a change attempted meanwhile: marked, never stored
      await expect(enter('3', '1')).rejects.toBeInstanceOf(ForbiddenError);
      expect((await enter('2', '1')).socket.frames[0]).toMatchObject({ type: 'welcome', roomId: '1' });
      await expect(enter('2', '2')).rejects.toBeInstanceOf(UnavailableError);
    });

    it('reads the rules again once its copy is older than it trusts', async () => {
      const reads = jest.spyOn(access, 'read');
      await entryRules.current('1', 0);
      await entryRules.current('1', ENTRY_RULES_TRUST_MS - 1);
      expect(reads).toHaveBeenCalledTimes(1);
      await entryRules.current('1', Date.now() + ENTRY_RULES_TRUST_MS);
      expect(reads).toHaveBeenCalledTimes(2);
    });

    it("keeps the welcome's chat lines at or below its seq: a line said after the enter's write comes as an event", async () => {
      const owner = await enter('1', '1');
      await chat.say(owner.session, { type: 'say', text: 'before' });
      // The history is read beside the enter's write; here it answers only once a line was said after it.
      let release!: () => void;
      const saidAfter = new Promise<void>((resolve) => (release = resolve));
      const recent = chat.recent.bind(chat);
      jest.spyOn(chat, 'recent').mockImplementation(async (...args) => {
        await saidAfter;
        return recent(...args);
      });
      const enterState = state.enter.bind(state);
      jest.spyOn(state, 'enter').mockImplementation(async (roomId, p) => {
        const result = await enterState(roomId, p);
        if (p.userId === '2') await chat.say(owner.session, { type: 'say', text: 'after' });
        release();
        return result;
      });
      const visitor = await enter('2', '1');
      const welcome = visitor.socket.frames[0] as { seq: number; chat: { seq: number; text: string }[] };
      expect(welcome.chat.map((l) => l.text)).toEqual(['before']);
      expect(visitor.socket.of('said')).toEqual([expect.objectContaining({ text: 'after', seq: welcome.seq + 1 })]);
    });
  });

  describe('move', () => {
    it("moves the avatar; the mover's copy carries its request id", async () => {
      const owner = await enter('1', '1');
      const visitor = await enter('2', '1');
      await sut.move(visitor.session, { type: 'move', id: 'm1', dir: 'down' });
      expect(visitor.socket.of('moved')).toEqual([
        expect.objectContaining({ id: 'm1', userId: '2', x: 0, y: 1, seq: 3 }),
      ]);
      expect(owner.socket.of('moved')).toEqual([
        { type: 'moved', roomId: '1', seq: 3, userId: '2', x: 0, y: 1, dir: 'down' },
      ]);
    });

    it('is blocked by the edge of the map and by walls, and says where the avatar stands', async () => {
      const owner = await enter('1', '1');
      await expect(sut.move(owner.session, { type: 'move', dir: 'up' })).rejects.toMatchObject({
        code: 'BLOCKED',
        extra: { x: 0, y: 0 },
      });
      await sut.build(owner.session, {
        type: 'build',
        baseVersion: 0,
        ops: [{ op: 'place', kind: 'wall', x: 1, y: 0 }],
      });
      await expect(sut.move(owner.session, { type: 'move', dir: 'right' })).rejects.toBeInstanceOf(BlockedError);
      expect((await look('1')).seq).toBe(2);
    });

    it('is forbidden to spectators', async () => {
      const watcher = await enter('2', '1', { as: 'spectator' });
      await expect(sut.move(watcher.session, { type: 'move', dir: 'right' })).rejects.toBeInstanceOf(ForbiddenError);
    });

    it('needs a room', async () => {
      const c = connect('1');
      await expect(sut.move(c.session, { type: 'move', dir: 'right' })).rejects.toBeInstanceOf(NotInRoomError);
    });
  });

  describe('build', () => {
    it("is the owner's alone", async () => {
      await enter('1', '1');
      const visitor = await enter('2', '1');
      await expect(
        sut.build(visitor.session, { type: 'build', baseVersion: 0, ops: [{ op: 'place', kind: 'wall', x: 3, y: 3 }] }),
      ).rejects.toBeInstanceOf(ForbiddenError);
    });

    it('refuses a stale base version with the current one', async () => {
      const owner = await enter('1', '1');
      await sut.build(owner.session, {
        type: 'build',
        baseVersion: 0,
        ops: [{ op: 'place', kind: 'wall', x: 3, y: 3 }],
      });
      const stale = sut.build(owner.session, {
        type: 'build',
        baseVersion: 0,
        ops: [{ op: 'place', kind: 'wall', x: 4, y: 3 }],
      });
      await expect(stale).rejects.toBeInstanceOf(ConflictError);
      await expect(stale).rejects.toMatchObject({ extra: { version: 1 } });
    });

    it('pushes an avatar off a cell the owner builds on, and acks', async () => {
      const owner = await enter('1', '1');
      const visitor = await enter('2', '1');
      await sut.move(visitor.session, { type: 'move', dir: 'right' });
      await sut.build(owner.session, {
        type: 'build',
        id: 'b1',
        baseVersion: 0,
        ops: [{ op: 'place', kind: 'wall', x: 1, y: 0 }],
      });
      const [built] = visitor.socket.of('built');
      expect(built).toMatchObject({ seq: 4, map: { version: 1 } });
      expect(built.members).toEqual(expect.arrayContaining([expect.objectContaining({ userId: '2', x: 0, y: 0 })]));
      expect(owner.socket.of('ack')).toEqual([{ type: 'ack', id: 'b1' }]);
      expect((await new MapStore(ds, config).findRoom('1'))!.map.objects).toEqual([
        expect.objectContaining({ kind: 'wall', x: 1, y: 0 }),
      ]);
    });
  });

  describe('a session dropped while its request waits on SQL (its lease lost, then taken again)', () => {
    afterEach(() => jest.restoreAllMocks());

    /** Drops every session (as a lost lease does) once the SQL transaction has begun. */
    function dropSessionsInside<T extends object, K extends keyof T>(proto: T, method: K): void {
      const original = proto[method] as (...args: unknown[]) => Promise<unknown>;
      jest.spyOn(proto, method as never).mockImplementation(function (this: unknown, ...args: unknown[]) {
        const last = args.length - 1;
        const inside = args[last] as () => Promise<unknown>;
        args[last] = () => {
          registry.abandonAll();
          return inside();
        };
        return original.apply(this, args);
      } as never);
    }

    it('writes no build: neither the map nor the room changes', async () => {
      const owner = await enter('1', '1');
      const before = await look('1');
      dropSessionsInside(MapStore.prototype, 'saveBuild');
      await expect(
        sut.build(owner.session, { type: 'build', baseVersion: 0, ops: [{ op: 'place', kind: 'wall', x: 3, y: 3 }] }),
      ).rejects.toBeInstanceOf(SessionGoneError);
      jest.restoreAllMocks();
      expect((await state.getMap('1'))?.version).toBe(0);
      expect((await new MapStore(ds, config).findRoom('1'))!.map).toMatchObject({ version: 0, objects: [] });
      expect((await look('1')).seq).toBe(before.seq);
    });

    it('writes no chat line', async () => {
      const owner = await enter('1', '1');
      const before = await look('1');
      dropSessionsInside(ChatStore.prototype, 'record');
      await expect(chat.say(owner.session, { type: 'say', text: 'hello' })).rejects.toBeInstanceOf(SessionGoneError);
      jest.restoreAllMocks();
      expect(await new ChatStore(ds, new MapStore(ds, config)).page('1', 10)).toEqual([]);
      expect((await look('1')).seq).toBe(before.seq);
    });
  });

  describe('leave', () => {
    it('takes the avatar out, tells the room and acks', async () => {
      const owner = await enter('1', '1');
      const visitor = await enter('2', '1');
      await sut.leave(visitor.session, { type: 'leave', id: 'l1' });
      expect(visitor.session.seat).toBeUndefined();
      expect(visitor.socket.of('ack')).toEqual([{ type: 'ack', id: 'l1' }]);
      expect(owner.socket.of('left')).toEqual([{ type: 'left', roomId: '1', seq: 3, userId: '2', reason: 'leave' }]);
      await expect(sut.leave(visitor.session, { type: 'leave' })).rejects.toBeInstanceOf(NotInRoomError);
    });

    it('happens on its own when the socket closes', async () => {
      const owner = await enter('1', '1');
      const visitor = await enter('2', '1');
      await registry.disconnected(visitor.session);
      expect(owner.socket.of('left')).toEqual([expect.objectContaining({ userId: '2', reason: 'disconnect' })]);
      expect(registry.sessionCount).toBe(1);
    });
  });

  describe('sessions', () => {
    it('a second enter of the same user replaces the first session, which is told and closed', async () => {
      const owner = await enter('1', '1');
      const first = await enter('2', '1');
      const second = await enter('2', '1');
      expect(first.socket.of('replaced')).toHaveLength(1);
      expect(first.socket.closedWith).toEqual({ code: CloseCode.REPLACED, reason: 'replaced' });
      expect(first.session.seat).toBeUndefined();
      expect(second.socket.frames[0]).toMatchObject({ type: 'welcome', members: [{ userId: '1' }, { userId: '2' }] });
      // The avatar changed hands: nobody entered or left.
      expect(owner.socket.frames.map((f) => f.type)).toEqual(['welcome', 'entered']);
      await registry.disconnected(first.session);
      expect((await look('1')).members.map((m) => m.userId)).toEqual(['1', '2']);
    });

    it('a drain takes every avatar out, also one whose socket closes meanwhile, asks clients to come back and refuses new enters', async () => {
      const owner = await enter('1', '1');
      const visitor = await enter('2', '1');
      // The visitor's socket closes while the drain runs: its avatar leaves, once.
      const draining = registry.drain(1000);
      const disconnect = registry.disconnected(visitor.session);
      await Promise.all([draining, disconnect]);
      expect((await look('1')).members).toEqual([]);
      expect(await state.sessionsOfInstance(config.instanceId)).toEqual([]);
      const lefts = (await state.eventsSince('1', 2))!.map(
        (e) => JSON.parse(e.json) as { type: string; userId: string; reason: string },
      );
      expect(lefts.map((e) => [e.type, e.userId, e.reason]).sort()).toEqual([
        ['left', '1', 'disconnect'],
        ['left', '2', 'disconnect'],
      ]);
      for (const s of [owner.socket, visitor.socket]) {
        expect(s.closedWith?.code).toBe(CloseCode.RESTARTING);
        const hint = (JSON.parse(s.closedWith!.reason) as { retryAfterMs: number }).retryAfterMs;
        expect(hint).toBeGreaterThanOrEqual(500);
        expect(hint).toBeLessThanOrEqual(1500);
      }
      expect(registry.isDraining).toBe(true);
      await expect(
        sut.enter(connect('3').session, { type: 'enter', roomId: '1', as: 'player' }),
      ).rejects.toBeInstanceOf(UnavailableError);
    });

    it('after a lost lease, every session is dropped without writing and asked to reconnect', async () => {
      const owner = await enter('1', '1');
      const visitor = await enter('2', '1');
      registry.abandonAll();
      expect(owner.session.seat).toBeUndefined();
      expect(visitor.session.seat).toBeUndefined();
      expect(owner.socket.closedWith?.code).toBe(CloseCode.RESTARTING);
      expect(visitor.socket.closedWith?.code).toBe(CloseCode.RESTARTING);
      // Nothing was written: the reaper (or our next incarnation) removes these avatars.
      expect((await look('1')).members.map((m) => m.userId)).toEqual(['1', '2']);
      await registry.disconnected(visitor.session);
      expect(owner.socket.of('left')).toEqual([]);
    });

    it('removes an orphaned avatar of a dead instance with reason timeout', async () => {
      const owner = await enter('1', '1');
      const visitor = await enter('2', '1');
      await sut.removeOrphan(
        { roomId: '1', userId: '2', sessionId: visitor.session.id, role: 'player' },
        config.instanceId,
      );
      expect(owner.socket.of('left')).toEqual([expect.objectContaining({ userId: '2', reason: 'timeout' })]);
    });
  });
});
