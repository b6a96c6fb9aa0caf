import { MyRoomRequestError } from '../client/myroom-client';
import { NotInRoomNowError } from '../client/room-session';
import { describeError, describeReconnect, describeState, formatSeconds } from './words';

const refused = (code: string, details: Record<string, unknown> = {}, message = 'x') =>
  new MyRoomRequestError(code, message, details);

describe('describeState', () => {
  it('names each connection state', () => {
    expect(describeState({ state: 'connecting', attempt: 0 })).toBe('Connecting…');
    expect(describeState({ state: 'in-room', attempt: 0 })).toBe('In room');
    expect(describeState({ state: 'reconnecting', attempt: 1 })).toBe('Reconnecting…');
    expect(describeState({ state: 'replaced', attempt: 0 })).toBe('Replaced by another tab');
  });

  it('explains a reconnect: why, when, which attempt', () => {
    expect(describeReconnect({ state: 'reconnecting', attempt: 1, retryInMs: 400, closeCode: 1006 })).toBe(
      'The connection dropped. Trying again in 0.4 s (attempt 1).',
    );
    expect(describeReconnect({ state: 'reconnecting', attempt: 1, retryInMs: 700, closeCode: 1012 })).toBe(
      'The server is restarting. Trying again in 0.7 s (attempt 1).',
    );
    expect(
      describeReconnect({ state: 'reconnecting', attempt: 3, retryInMs: 12_300, error: new Error('refused') }),
    ).toBe('Still cannot reach the room. Trying again in 12 s (attempt 3).');
    expect(describeReconnect({ state: 'in-room', attempt: 0 })).toBe('');
  });

  it('formats seconds', () => {
    expect(formatSeconds(250)).toBe('0.3 s');
    expect(formatSeconds(9_940)).toBe('9.9 s');
    expect(formatSeconds(10_000)).toBe('10 s');
  });
});

describe('describeError', () => {
  it('says what happened in words, per protocol code', () => {
    expect(describeError(refused('BLOCKED', { x: 0, y: 0 }), 'move')).toMatch(/^You cannot walk there/);
    expect(describeError(refused('FORBIDDEN'), 'build')).toBe('Only the owner of this room can build here.');
    expect(describeError(refused('FORBIDDEN'), 'move')).toMatch(/^Spectators watch/);
    expect(describeError(refused('CONFLICT', { version: 4 }), 'build')).toMatch(
      /now at version 4\)\. The map was reloaded/,
    );
    expect(describeError(refused('ROOM_NOT_FOUND'), 'enter')).toBe('There is no such room.');
    expect(describeError(refused('RATE_LIMITED', { retryAfterMs: 100 }), 'move')).toMatch(/^Slow down/);
    expect(describeError(refused('UNAVAILABLE'), 'build')).toMatch(/Nothing was changed/);
    expect(describeError(refused('INTERNAL', { correlationId: 'abc' }), 'move')).toBe(
      'Something went wrong on the server (reference abc).',
    );
  });

  it('quotes the detail of an invalid build', () => {
    const err = refused('INVALID_BUILD', { op: 0 }, 'op 0: a game at (19,19) would leave the 20x20 map');
    expect(describeError(err, 'build')).toBe(
      'That build is not possible: op 0: a game at (19,19) would leave the 20x20 map.',
    );
  });

  it('covers errors that are not protocol errors', () => {
    expect(describeError(new NotInRoomNowError(), 'move')).toMatch(/not connected to the room right now/);
    expect(describeError(new Error('move timed out'), 'move')).toBe('The server did not answer in time. Try again.');
    expect(describeError(new Error('connection closed (1006)'), 'build')).toBe(
      'The connection to the server was lost.',
    );
    expect(describeError(refused('SOMETHING_NEW', {}, 'new rule'), 'move')).toBe(
      'The server refused: SOMETHING_NEW: new rule',
    );
  });
});
