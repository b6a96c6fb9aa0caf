import { ATTR, Traced } from '../tracing/tracing';
import type { ClientSession } from './client-session';

/**
 * Marks the service method that handles one WebSocket request `type`: a span `ws <type>` with the
 * room (the message's own for an enter, else the seat's), the user and the result code (OK or the
 * `error` frame's code). Moves get theirs too although the edge calls RoomsService.move directly.
 */
export function WsSpan(type: string) {
  return Traced<[ClientSession, { roomId?: string }]>(`ws ${type}`, {
    result: true,
    attributes: (session, msg) => ({
      [ATTR.room]: msg.roomId ?? session.seat?.roomId,
      [ATTR.user]: session.identity.userId,
    }),
  });
}
