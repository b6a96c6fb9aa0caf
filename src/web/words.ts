/**
 * Everything the page tells a person, in plain words: connection states and request errors.
 * Codes come from docs/PROTOCOL.md; server messages are for developers, so we only quote them
 * where they carry the detail a person needs (which op of a build was wrong).
 */
import { MyRoomRequestError } from '../client/myroom-client';
import { type ConnectionState, NotInRoomNowError, type StateChange } from '../client/room-session';

export type Action = 'enter' | 'move' | 'build' | 'leave';

export function describeState(change: StateChange): string {
  const labels: Record<ConnectionState, string> = {
    connecting: 'Connecting…',
    'in-room': 'In room',
    reconnecting: 'Reconnecting…',
    replaced: 'Replaced by another tab',
    kicked: 'Removed from the room',
    failed: 'Not connected',
    closed: 'Left the room',
  };
  return labels[change.state];
}

/** A line under the badge while reconnecting: why, and when the next try is. */
export function describeReconnect(change: StateChange): string {
  if (change.state !== 'reconnecting') return '';
  const why =
    change.closeCode === 1012
      ? 'The server is restarting.'
      : change.error !== undefined
        ? 'Still cannot reach the room.'
        : 'The connection dropped.';
  const when =
    change.retryInMs !== undefined
      ? ` Trying again in ${formatSeconds(change.retryInMs)} (attempt ${change.attempt}).`
      : '';
  return why + when;
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

export function describeError(err: unknown, action: Action): string {
  if (err instanceof NotInRoomNowError)
    return 'You are not connected to the room right now; wait until you are back in.';
  if (!(err instanceof MyRoomRequestError)) {
    const text = err instanceof Error ? err.message : String(err);
    if (/timed out/.test(text)) return 'The server did not answer in time. Try again.';
    if (/closed|connect/.test(text)) return 'The connection to the server was lost.';
    return `Something went wrong: ${text}`;
  }
  const d = err.details;
  switch (err.code) {
    case 'BLOCKED':
      return 'You cannot walk there: a wall, a game or the edge of the room is in the way.';
    case 'FORBIDDEN':
      return action === 'build'
        ? 'Only the owner of this room can build here.'
        : 'Spectators watch; they cannot walk. Enter as a player to move.';
    case 'CONFLICT':
      return (
        `This room was changed while you were building (it is now at version ${String(d.version ?? '?')}). ` +
        'The map was reloaded and your unsaved changes were discarded; place them again.'
      );
    case 'INVALID_BUILD':
      return `That build is not possible: ${err.message.replace(/^INVALID_BUILD: /, '')}.`;
    case 'ROOM_NOT_FOUND':
      return 'There is no such room.';
    case 'NOT_IN_ROOM':
      return 'You were no longer in the room; entering it again.';
    case 'RATE_LIMITED':
      return 'Slow down: too many actions at once. Try again in a moment.';
    case 'UNAVAILABLE':
      return 'The server cannot reach its storage right now. Nothing was changed; try again in a moment.';
    case 'BAD_REQUEST':
      return `The server did not understand the request (${err.message.replace(/^BAD_REQUEST: /, '')}).`;
    case 'INTERNAL':
      return `Something went wrong on the server${typeof d.correlationId === 'string' ? ` (reference ${d.correlationId})` : ''}.`;
    default:
      return `The server refused: ${err.message}`;
  }
}
