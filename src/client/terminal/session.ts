import { CloseCode } from '../../protocol/close-codes';
import { MyRoomRequestError, type MyRoomClient, type RoomEvent, type Role } from '../myroom-client';
import type { ReplayFrom } from './args';
import { toBuildOp, type Command } from './commands';
import { describeError, describeEvent, describeLine, describeReplay, describeWelcome, RoomView } from './room-view';

/** Something to tell the person: a room event in words, an error, or a problem on this side. */
export interface Note {
  text: string;
  /** True for what the server's frames do not already say (bad input, time-outs, the connection). */
  local: boolean;
}

export interface Closed {
  code: number;
  /** True when this side asked to quit; anything else is the server or the network ending it. */
  expected: boolean;
  words: string;
}

const KEPT_NOTES = 100;

/**
 * One terminal user's session over a connected MyRoomClient: it keeps the room's view from the
 * server's frames and runs typed commands. Both front ends (the TTY screen and the line mode)
 * sit on top of it.
 */
export class TerminalSession {
  view?: RoomView;
  readonly notes: Note[] = [];
  onChange: () => void = () => undefined;
  onNote: (note: Note) => void = () => undefined;
  readonly closed: Promise<Closed>;
  private isClosed = false;
  private quitting = false;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly client: MyRoomClient,
    readonly roomId: string,
    private readonly role: Role,
    /** Watch the room's past from here instead of entering it (`--replay`). */
    private readonly replay?: { from: ReplayFrom; speed?: number },
  ) {
    client.on('welcome', (w) => {
      this.view = new RoomView(w);
      this.note(w.replay ? describeReplay(w) : describeWelcome(w), false);
      for (const line of w.chat ?? []) this.note(describeLine(this.view, line), false);
    });
    const onEvent = (e: RoomEvent) => {
      if (!this.view) return;
      this.note(describeEvent(this.view, e), false);
      this.view.apply(e);
    };
    client.on('entered', onEvent);
    client.on('moved', onEvent);
    client.on('built', onEvent);
    client.on('left', onEvent);
    client.on('notice', onEvent);
    client.on('said', onEvent);
    client.on('replay-end', (e) => this.note(`the replay reached the end of what is kept (seq ${e.seq})`, false));
    client.on('error', (e) => this.note(describeError(e), false));
    client.on('replaced', (r) => this.note(`${r.message}: the server is closing this connection`, false));
    client.on('kicked', (k) => this.note(`${k.message}: the server is closing this connection`, false));
    this.closed = new Promise((resolve) => {
      client.on('close', ({ code }) => {
        this.isClosed = true;
        const closed = { code, expected: this.quitting, words: closeWords(code) };
        if (!closed.expected) this.note(`connection closed: ${closed.words}`, true);
        else this.onChange();
        resolve(closed);
      });
    });
  }

  /** "connected", "connected, not in a room", "closed (…)": for the status line. */
  get connection(): string {
    if (this.isClosed) return 'closed';
    if (this.quitting) return 'leaving';
    return this.view ? 'connected' : 'connected, not in a room';
  }

  /** Commands waiting or running: the TTY drops key repeats rather than build up a backlog. */
  get backlog(): number {
    return this.queued;
  }

  /** The first enter (or replay); resolves with the problem in words when the room cannot be entered. */
  async start(): Promise<string | undefined> {
    try {
      if (this.replay) await this.client.replay(this.roomId, this.replay.from, this.replay.speed);
      else await this.enter();
      return undefined;
    } catch (err) {
      return err instanceof MyRoomRequestError ? requestErrorWords(err) : (err as Error).message;
    }
  }

  /**
   * Runs commands one after another, each waiting for its reply, so that a script's second
   * build is based on the map version its first one produced.
   */
  run(command: Command): Promise<void> {
    this.queued++;
    const done = this.queue.then(() => this.execute(command)).finally(() => this.queued--);
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** Leaves the room (when in one) and closes the connection; resolves once it is closed. */
  async quit(): Promise<Closed> {
    if (!this.isClosed && !this.quitting) {
      this.quitting = true;
      this.onChange();
      if (this.view) await this.client.leave().catch(() => undefined);
      this.client.close(CloseCode.NORMAL);
    }
    return this.closed;
  }

  /** A note from the front end itself, e.g. input it could not parse. */
  tell(text: string): void {
    this.note(text, true);
  }

  private async enter(): Promise<void> {
    await this.client.enter(this.roomId, this.role === 'spectator' ? { as: 'spectator' } : {});
  }

  private async execute(command: Command): Promise<void> {
    if (this.isClosed || this.quitting) return;
    try {
      switch (command.kind) {
        case 'move':
          await this.client.move(command.dir);
          return;
        case 'build': {
          if (!this.view) return this.note('you are not in a room (type enter)', true);
          const op = toBuildOp(command.spec, this.view.map);
          if ('error' in op) return this.note(op.error, true);
          await this.client.build(this.view.map.version, [op]);
          return;
        }
        case 'say':
          await this.client.say(command.text);
          return;
        case 'enter':
          await this.enter();
          return;
        case 'leave':
          await this.client.leave();
          this.view = undefined;
          this.note(`you left room ${this.roomId} (type enter to come back)`, false);
          return;
        case 'quit':
          await this.quit();
          return;
        case 'wait':
          await new Promise((resolve) => setTimeout(resolve, command.ms));
          return;
        case 'help':
          return;
      }
    } catch (err) {
      // A refused request: the server's error frame explains it (the line mode already printed it).
      if (err instanceof MyRoomRequestError) this.note(requestErrorWords(err), false);
      else if (!this.isClosed) this.note((err as Error).message, true);
    }
  }

  private note(text: string, local: boolean): void {
    const note = { text, local };
    this.notes.push(note);
    if (this.notes.length > KEPT_NOTES) this.notes.shift();
    this.onNote(note);
    this.onChange();
  }
}

function requestErrorWords(err: MyRoomRequestError): string {
  // The library's message is "CODE: the server's message".
  return describeError({ code: err.code, message: err.message.slice(err.code.length + 2) });
}

function closeWords(code: number): string {
  switch (code) {
    case CloseCode.NORMAL:
      return 'closed normally (1000)';
    case CloseCode.POLICY_VIOLATION:
      return 'too many messages: the server closed the connection (1008)';
    case CloseCode.TOO_LARGE:
      return 'a message was too large (1009)';
    case CloseCode.RESTARTING:
      return 'the server is restarting; try again in a moment (1012)';
    case CloseCode.REPLACED:
      return 'you entered this room from another connection, which replaced this one (4001)';
    case CloseCode.KICKED:
      return 'an admin or the room owner removed you from the room (4003)';
    case CloseCode.TOKEN_EXPIRED:
      return 'your token expired (4004): get a fresh one with `npm run token -- <userId>` and connect again, or pass --user <userId> to have tokens minted and renewed here';
    case 1006:
      return 'the connection was lost (1006)';
    default:
      return `closed with code ${code}`;
  }
}
