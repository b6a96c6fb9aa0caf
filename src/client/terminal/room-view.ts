import type { LeaveReason, SaidEvent } from '../../protocol/messages';
import type { ErrorMessage, Member, RoomEvent, RoomMap, Role, WelcomeMessage } from '../myroom-client';
import { RoomModel } from '../room-model';

/**
 * The terminal client's picture of its room: the client library's RoomModel (the one reducer of
 * room events; nothing is predicted locally) plus what only this screen shows. Unlike RoomSession,
 * the terminal does not resync on a gap in `seq`: it goes on with the events it gets and says that
 * positions may be stale.
 */
export class RoomView {
  private readonly model = new RoomModel();
  /** Set when an event's seq skipped some: events were missed and positions may be stale. */
  missedEvents = false;

  constructor(welcome: WelcomeMessage) {
    this.model.reset(welcome);
  }

  get roomId(): string {
    return this.model.roomId;
  }

  get seq(): number {
    return this.model.seq;
  }

  get you(): { userId: string; role: Role; owner: boolean } {
    return this.model.you;
  }

  get map(): RoomMap {
    return this.model.map;
  }

  get spectators(): number {
    return this.model.spectators;
  }

  /** The avatars in the order they came: the welcome's, then each newcomer last. */
  get members(): Member[] {
    return [...this.model.members.values()];
  }

  /** Events of another room, or already seen (seq not past the view's), change nothing. */
  apply(e: RoomEvent): void {
    if (this.model.applyAcrossGap(e) === 'gap') this.missedEvents = true;
  }
}

/** `e` in plain words, read against the view before it is applied (so a leaver still has a name). */
export function describeEvent(view: RoomView, e: RoomEvent): string {
  const who = (userId: string) =>
    userId === view.you.userId ? 'you' : (view.members.find((m) => m.userId === userId)?.name ?? `user ${userId}`);
  switch (e.type) {
    case 'entered':
      return `${e.member.userId === view.you.userId ? 'you' : e.member.name} entered at ${at(e.member)}`;
    case 'moved':
      return `${who(e.userId)} moved ${e.dir} to ${at(e)}`;
    case 'built': {
      const pushed = e.members
        .filter((m) => view.members.some((old) => old.userId === m.userId && (old.x !== m.x || old.y !== m.y)))
        .map((m) => `${who(m.userId)} pushed to ${at(m)}`);
      return [`the map changed (version ${e.map.version}, ${countObjects(e.map)})`, ...pushed].join('; ');
    }
    case 'left':
      return `${who(e.userId)} ${LEFT_WORDS[e.reason] ?? `left (${e.reason})`}`;
    case 'notice':
      return `notice from ${inert(e.from.name)}: ${inert(e.text)}`;
    case 'said':
      return describeLine(view, e);
  }
}

/** A chat line as the terminal shows it: control characters (escape sequences) printed inert. */
export function describeLine(view: RoomView, e: SaidEvent): string {
  return `${e.userId === view.you.userId ? 'you' : inert(e.name)}: ${inert(e.text)}`;
}

/** A terminal obeys ESC and other control characters: in people's text they become visible placeholders. */
export function inert(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

export function describeWelcome(w: WelcomeMessage): string {
  const others = w.members.filter((m) => m.userId !== w.you.userId).length;
  const role = w.you.role === 'spectator' ? 'a spectator' : w.you.owner ? 'its owner' : 'a visitor';
  return `you entered room ${w.roomId} as ${role}; ${others === 0 ? 'nobody else is here' : `${others} other${others === 1 ? ' is' : 's are'} here`}`;
}

export function describeReplay(w: WelcomeMessage): string {
  return `replaying room ${w.roomId} from seq ${w.seq}${w.at ? ` (${w.at})` : ''}; ${w.members.length} in the room then (type leave to stop)`;
}

const ERROR_WORDS: Readonly<Record<string, string>> = {
  BLOCKED: 'blocked',
  FORBIDDEN: 'not allowed',
  CONFLICT: 'the map changed meanwhile',
  INVALID_BUILD: 'cannot build that',
  NOT_IN_ROOM: 'you are not in a room (type enter)',
  ROOM_NOT_FOUND: 'no such room',
  RATE_LIMITED: 'too fast',
  OUT_OF_RANGE: 'not kept any more',
  UNAVAILABLE: 'the server is busy or a service is down; try again',
  BAD_REQUEST: 'the server did not understand',
  INTERNAL: 'server error',
};

/** A protocol error in plain words, the server's own message after the gist. */
export function describeError(e: Pick<ErrorMessage, 'code' | 'message'>): string {
  return `${ERROR_WORDS[e.code] ?? e.code}: ${e.message}`;
}

export function countObjects(map: RoomMap): string {
  if (map.objects.length === 0) return 'no objects';
  const byKind = new Map<string, number>();
  for (const o of map.objects) byKind.set(o.kind, (byKind.get(o.kind) ?? 0) + 1);
  return [...byKind].map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`).join(', ');
}

const LEFT_WORDS: Partial<Record<LeaveReason, string>> = {
  leave: 'left',
  disconnect: 'disconnected',
  timeout: 'timed out',
  replaced: 'reconnected from elsewhere',
  kicked: 'was removed from the room',
};

function at(c: { x: number; y: number }): string {
  return `(${c.x},${c.y})`;
}
