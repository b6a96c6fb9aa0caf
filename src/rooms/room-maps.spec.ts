import type { DataSource } from 'typeorm';
import { loadConfig } from '../config/config';
import { ChatStore } from '../maps/chat-store';
import { openDatabase } from '../maps/data-source';
import { HistoryStore } from '../maps/history-store';
import { MapStore } from '../maps/map-store';
import { seedDemoData } from '../maps/seed';
import { MemoryRoomState } from '../state/memory-room-state';
import { RoomMaps } from './room-maps';

const config = loadConfig({ NODE_ENV: 'test', SQLITE_PATH: ':memory:', INSTANCE_ID: 'unit-1', LOG_LEVEL: 'silent' });

describe(RoomMaps.name, () => {
  let ds: DataSource;
  let state: MemoryRoomState;
  let chat: ChatStore;
  let history: HistoryStore;
  let sut: RoomMaps;

  beforeEach(async () => {
    ds = await openDatabase(config, true);
    await seedDemoData(ds, 4, 4);
    const maps = new MapStore(ds, config);
    state = new MemoryRoomState(10);
    chat = new ChatStore(ds, maps);
    history = new HistoryStore(ds, maps);
    sut = new RoomMaps(state, maps, chat, history);
  });
  afterEach(async () => {
    await ds.destroy();
  });

  const line = (roomId: string, seq: number) =>
    chat.insert({
      type: 'said',
      roomId,
      seq,
      userId: '1',
      name: 'user1',
      text: `line ${seq}`,
      at: '2026-12-07T20:00:00.000Z',
    });
  const logged = (roomId: string, seq: number) =>
    history.append([{ roomId, epoch: 'lost', seq, at: 1_796_000_000_000 + seq, json: '{}' }]);
  const seqOf = async (roomId: string) => (await state.readRoom(roomId)).seq;

  it('caches the stored map of a room the state lost, and a room with no history counts from 0', async () => {
    expect(await state.getMap('1')).toBeNull();
    const map = await sut.cachedMap('1');
    expect(await state.getMap('1')).toEqual(map);
    expect(await seqOf('1')).toBe(0);
  });

  it("starts the room's seq above the higher of its chat lines and its timeline, whichever that is", async () => {
    await line('2', 5);
    await logged('2', 9);
    await sut.cachedMap('2');
    expect(await seqOf('2')).toBe(9);

    await line('3', 12);
    await logged('3', 9);
    await sut.cachedMap('3');
    expect(await seqOf('3')).toBe(12);
  });

  it("does not count another room's history", async () => {
    await line('2', 30);
    await logged('2', 40);
    await sut.cachedMap('1');
    expect(await seqOf('1')).toBe(0);
  });
});
