import type { Member, RoomMap, WelcomeMessage } from '../protocol/messages';
import { KEPT_CHAT_LINES, RoomModel } from './room-model';

const map: RoomMap = { version: 0, width: 20, height: 20, objects: [] };
const ann: Member = { userId: '1', name: 'ann', x: 0, y: 0, role: 'player' };
const bob: Member = { userId: '2', name: 'bob', x: 3, y: 4, role: 'player' };

function welcome(seq: number, members: Member[] = [ann]): WelcomeMessage {
  return {
    type: 'welcome',
    roomId: 'r',
    seq,
    epoch: 'e1',
    you: { userId: '1', role: 'player', owner: true },
    map,
    members,
    spectators: 2,
  };
}

function entered(model: RoomModel, seq: number, member: Member) {
  return model.apply({ type: 'entered', roomId: 'r', seq, member });
}

describe('RoomModel', () => {
  it('takes the whole room from a welcome', () => {
    const m = new RoomModel();
    expect(m.isReady).toBe(false);
    m.reset(welcome(7, [bob, ann]));
    expect(m.isReady).toBe(true);
    expect(m.seq).toBe(7);
    expect(m.me).toEqual(ann);
    expect(m.memberList().map((x) => x.name)).toEqual(['ann', 'bob']);
    expect(m.spectators).toBe(2);
  });

  it("keeps the chat: the welcome's history, then each line said, without the sender's request id", () => {
    const m = new RoomModel();
    const line = (seq: number, text = `l${seq}`) => ({
      type: 'said' as const,
      roomId: 'r',
      seq,
      userId: '2',
      name: 'bob',
      text,
      at: '2025-01-01T00:00:00.000Z',
    });
    m.reset({ ...welcome(7), chat: [line(3), line(5)] });
    expect(m.chat.map((l) => l.seq)).toEqual([3, 5]);
    expect(m.apply({ ...line(8, '<b>mine</b>'), id: 'c1' })).toBe('applied');
    expect(m.chat[2]).toEqual(line(8, '<b>mine</b>'));
    expect(m.seq).toBe(8);
    expect(m.members.size).toBe(1);
    for (let seq = 9; seq < 9 + KEPT_CHAT_LINES; seq++) m.apply(line(seq));
    expect(m.chat).toHaveLength(KEPT_CHAT_LINES);
    expect(m.chat[0].seq).toBe(9);
    // A fresh welcome replaces the history; one without `chat` (an older server) empties it.
    m.reset({ ...welcome(500), chat: [line(400)] });
    expect(m.chat).toEqual([line(400)]);
    m.reset(welcome(501));
    expect(m.chat).toEqual([]);
    m.clear();
    expect(m.chat).toEqual([]);
  });

  it('keeps notices (the latest 20) and lets them take their seq, changing nothing else', () => {
    const m = new RoomModel();
    m.reset(welcome(7));
    const notice = (seq: number) => ({
      type: 'notice' as const,
      roomId: 'r',
      seq,
      text: `n${seq}`,
      from: { userId: '9', name: 'ops' },
    });
    expect(m.apply(notice(8))).toBe('applied');
    expect(m.seq).toBe(8);
    expect(m.memberList()).toEqual([ann]);
    expect(entered(m, 9, bob)).toBe('applied');
    for (let seq = 10; seq < 35; seq++) m.apply(notice(seq));
    expect(m.notices).toHaveLength(20);
    expect(m.notices[19]).toEqual(notice(34));
    m.clear();
    expect(m.notices).toEqual([]);
  });

  it('applies entered, moved, built and left in seq order', () => {
    const m = new RoomModel();
    m.reset(welcome(7));
    expect(entered(m, 8, bob)).toBe('applied');
    expect(m.apply({ type: 'moved', roomId: 'r', seq: 9, userId: '2', x: 4, y: 4, dir: 'right' })).toBe('applied');
    expect(m.members.get('2')).toMatchObject({ x: 4, y: 4 });

    const next: RoomMap = { ...map, version: 1, objects: [{ id: 'o1', kind: 'wall', x: 4, y: 4, w: 1, h: 1 }] };
    const pushed = { ...bob, x: 4, y: 3 };
    expect(m.apply({ type: 'built', roomId: 'r', seq: 10, map: next, members: [ann, pushed] })).toBe('applied');
    expect(m.map.version).toBe(1);
    expect(m.members.get('2')).toEqual(pushed);

    expect(m.apply({ type: 'left', roomId: 'r', seq: 11, userId: '2', reason: 'leave' })).toBe('applied');
    expect(m.members.has('2')).toBe(false);
    expect(m.seq).toBe(11);
  });

  it('ignores events it already has (a resume replays them after the welcome)', () => {
    const m = new RoomModel();
    m.reset(welcome(7));
    expect(entered(m, 7, bob)).toBe('stale');
    expect(entered(m, 3, bob)).toBe('stale');
    expect(m.members.has('2')).toBe(false);
    expect(m.seq).toBe(7);
  });

  it('reports a gap and does not apply past it', () => {
    const m = new RoomModel();
    m.reset(welcome(7));
    expect(entered(m, 9, bob)).toBe('gap');
    expect(m.members.has('2')).toBe(false);
    expect(m.seq).toBe(7);
  });

  it('ignores events of another room, and everything before a welcome or after clear', () => {
    const m = new RoomModel();
    expect(entered(m, 1, bob)).toBe('stale');
    m.reset(welcome(7));
    expect(m.apply({ type: 'entered', roomId: 'other', seq: 8, member: bob })).toBe('stale');
    m.clear();
    expect(entered(m, 8, bob)).toBe('stale');
    expect(m.isReady).toBe(false);
  });

  it('keeps the seq moving for an event type it does not know', () => {
    const m = new RoomModel();
    m.reset(welcome(7));
    const future = { type: 'waved', roomId: 'r', seq: 8 } as unknown as Parameters<RoomModel['apply']>[0];
    expect(m.apply(future)).toBe('applied');
    expect(entered(m, 9, bob)).toBe('applied');
  });

  it('lists no spectator among the avatars, and still takes the seq of their entering', () => {
    const m = new RoomModel();
    m.reset(welcome(7));
    expect(entered(m, 8, { ...bob, role: 'spectator' })).toBe('applied');
    expect(m.members.has('2')).toBe(false);
    expect(m.seq).toBe(8);
  });

  it('applies across a gap only when asked to, still reporting the gap', () => {
    const m = new RoomModel();
    m.reset(welcome(7));
    expect(m.applyAcrossGap({ type: 'entered', roomId: 'r', seq: 9, member: bob })).toBe('gap');
    expect(m.members.get('2')).toEqual(bob);
    expect(m.seq).toBe(9);
    expect(m.applyAcrossGap({ type: 'left', roomId: 'r', seq: 10, userId: '2', reason: 'leave' })).toBe('applied');
    expect(m.applyAcrossGap({ type: 'entered', roomId: 'r', seq: 10, member: bob })).toBe('stale');
    expect(m.members.has('2')).toBe(false);
  });

  it('ignores a move of an avatar it does not know instead of inventing one', () => {
    const m = new RoomModel();
    m.reset(welcome(7));
    expect(m.apply({ type: 'moved', roomId: 'r', seq: 8, userId: '9', x: 1, y: 0, dir: 'right' })).toBe('applied');
    expect(m.members.has('9')).toBe(false);
  });
});
