import WebSocket from 'ws';
import type { Identity } from '../../auth/identity';
import type { Logger } from '../../logging/logger';
import { CloseCode } from '../../protocol/close-codes';
import { ProtocolError, UnavailableError } from '../../protocol/errors';
import { rawText } from './legacy-codec';
import { parseLegacyFrame } from './legacy-frames';
import { errorFrame } from './legacy-view';

/** The original server closed a socket whose first frame did not come within this time. */
export const FIRST_FRAME_MS = 5000;
/** Frames a client may send while its first `10` is being checked; they are handled after it. */
const MAX_EARLY_FRAMES = 16;

export interface FirstEnter {
  /** The first `10`'s token, checked (throws a ProtocolError when refused). */
  identify(token: string): Promise<Identity>;
  /** The token was accepted and the socket is still open: give it its session and enter `roomId`. */
  entered(identity: Identity, roomId: string): void;
  log: Logger;
}

/**
 * A `/library` socket before it has a session: its first frame must be a `10` whose token is
 * accepted, within FIRST_FRAME_MS, else `99` and a close (1008; 1012 when the token cannot be
 * checked now). The edge skips frames of a socket without a session, so those that come while the
 * token is checked are kept here and handed to the edge, in order, once the session exists.
 */
export function awaitFirstEnter(ws: WebSocket, first: FirstEnter): void {
  const early: [WebSocket.RawData, boolean][] = [];
  let checking = false;
  const timer = setTimeout(
    () => refuse(ws, 'BAD_REQUEST', `send 10 (enter) within ${FIRST_FRAME_MS / 1000} s`),
    FIRST_FRAME_MS,
  );
  timer.unref();
  ws.once('close', () => clearTimeout(timer));

  const onFrame = (data: WebSocket.RawData, isBinary: boolean) => {
    if (checking) {
      if (early.length < MAX_EARLY_FRAMES) early.push([data, isBinary]);
      else refuse(ws, 'RATE_LIMITED', 'too many frames before the room');
      return;
    }
    const parsed = isBinary ? undefined : parseLegacyFrame(rawText(data));
    if (!parsed?.ok || parsed.request.type !== 'legacy.enter') {
      clearTimeout(timer);
      return refuse(ws, 'BAD_REQUEST', parsed && !parsed.ok ? parsed.message : 'the first frame must be 10 (enter)');
    }
    checking = true;
    const { roomId, token } = parsed.request;
    first.identify(token).then(
      (identity) => {
        clearTimeout(timer);
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.off('message', onFrame);
        first.entered(identity, roomId);
        for (const [d, b] of early) ws.emit('message', d, b);
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (err instanceof ProtocolError) return refuse(ws, err.code, err.message, refusalCloseCode(err));
        first.log.error({ err }, 'checking a legacy token failed');
        refuse(ws, 'INTERNAL', 'internal error');
      },
    );
  };
  ws.on('message', onFrame);
}

/** A socket refused before it has a session: its `99`, then the close. */
function refuse(ws: WebSocket, code: string, message: string, closeCode: number = CloseCode.POLICY_VIOLATION): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(errorFrame(code, message));
  ws.close(closeCode, 'refused');
}

/** Come back later (the token could not be checked now), or not with that token. */
function refusalCloseCode(err: ProtocolError): number {
  return err instanceof UnavailableError ? CloseCode.RESTARTING : CloseCode.POLICY_VIOLATION;
}
