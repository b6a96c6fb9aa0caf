import { withRoomHint } from './room-hint';

describe('withRoomHint', () => {
  it('adds the room to a socket URL', () => {
    expect(withRoomHint('ws://localhost:3000/ws', '7')).toBe('ws://localhost:3000/ws?room=7');
    expect(withRoomHint('wss://rooms.example/ws', 'lobby')).toBe('wss://rooms.example/ws?room=lobby');
  });

  it('keeps the other parameters and replaces an older hint', () => {
    expect(withRoomHint('ws://h/ws?debug=1', '2')).toBe('ws://h/ws?debug=1&room=2');
    expect(withRoomHint('ws://h/ws?room=1', '2')).toBe('ws://h/ws?room=2');
  });

  it('encodes a room id that is not URL-safe', () => {
    const url = withRoomHint('ws://h/ws', 'a b&c=d/é');
    expect(new URL(url).searchParams.get('room')).toBe('a b&c=d/é');
    expect(new URL(url).searchParams.getAll('room')).toHaveLength(1);
  });
});
