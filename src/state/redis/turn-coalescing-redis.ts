import Redis from 'ioredis';

type Socket = Redis['stream'];

/**
 * An ioredis client that sends the commands issued in one event-loop turn to Redis in one write.
 *
 * ioredis writes each command to its socket as it is issued: one system call per command. Every
 * `move` is one script call, and a profile of a busy rooms run (4 moves/s for each of 1,000
 * players) put those writes at about a fifth of the server's CPU, and at about a fifth of the time
 * of the event-loop turns that ran longer than 40 ms. So the socket is corked at a turn's first
 * command and uncorked when the turn ends (`setImmediate`, as the players' sockets are), and the
 * turn's commands leave in one `writev`. Nothing else changes: the same commands in the same
 * order on the same connection, so ioredis still pairs each reply with its command; a command
 * waits at most until the end of the turn that issued it.
 *
 * ioredis's own auto-pipelining batches one level up, in a pipeline per turn; it stays off (see
 * the client's options in infra.module.ts).
 */
export class TurnCoalescingRedis extends Redis {
  /** The socket corked for the current turn, if any (a reconnect brings a new socket). */
  private corkedSocket: Socket | null = null;

  override sendCommand(...args: Parameters<Redis['sendCommand']>): unknown {
    this.corkUntilTurnEnds();
    return super.sendCommand(...args);
  }

  private corkUntilTurnEnds(): void {
    const socket = this.stream;
    // Before 'ready' ioredis holds commands back itself (handshake, offline queue).
    if (this.corkedSocket || this.status !== 'ready' || !socket?.writable) return;
    socket.cork();
    this.corkedSocket = socket;
    setImmediate(() => {
      this.corkedSocket = null;
      socket.uncork();
    });
  }
}
