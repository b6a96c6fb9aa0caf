import { EventEmitter } from 'node:events';
import pino from 'pino';
import type WebSocket from 'ws';
import { ClientSession } from './client-session';

/** A socket that only records how it was closed. */
class FakeSocket extends EventEmitter {
  readyState = 1;
  closedWith?: number;
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 3;
    this.emit('close');
  }
}

const DAY = 24 * 3600_000;

function session(expiresAt?: number): { socket: FakeSocket; session: ClientSession } {
  const socket = new FakeSocket();
  const s = new ClientSession(
    socket as unknown as WebSocket,
    { userId: '1', name: 'a', expiresAt },
    1 << 20,
    pino({ level: 'silent' }),
  );
  return { socket, session: s };
}

describe('ClientSession token deadline', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('closes with 4004 at expiresAt, not before', () => {
    const { socket } = session(1_000_000 + 5000);
    jest.advanceTimersByTime(4999);
    expect(socket.closedWith).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect(socket.closedWith).toBe(4004);
  });

  it('a new deadline replaces the old one', () => {
    const { socket, session: s } = session(1_000_000 + 5000);
    s.expireAt(1_000_000 + 20_000);
    jest.advanceTimersByTime(19_999);
    expect(socket.closedWith).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect(socket.closedWith).toBe(4004);
  });

  it('waits out tokens longer than setTimeout can (~24.8 days) by re-arming', () => {
    const { socket } = session(1_000_000 + 60 * DAY);
    jest.advanceTimersByTime(59 * DAY);
    expect(socket.closedWith).toBeUndefined();
    jest.advanceTimersByTime(DAY);
    expect(socket.closedWith).toBe(4004);
  });

  it('no expiresAt: no deadline; a closed socket clears it', () => {
    expect(jest.getTimerCount()).toBe(0);
    session();
    expect(jest.getTimerCount()).toBe(0);
    const { socket } = session(1_000_000 + 5000);
    expect(jest.getTimerCount()).toBe(1);
    socket.close(1000);
    expect(jest.getTimerCount()).toBe(0);
  });
});
