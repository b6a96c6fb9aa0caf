import type { IncomingMessage } from 'node:http';
import { Inject, UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import WebSocket from 'ws';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { LOGGER, type Logger } from '../../logging/logger';
import { CloseCode } from '../../protocol/close-codes';
import { ProtocolError } from '../../protocol/errors';
import type { MoveMessage } from '../../protocol/messages';
import { attachSession, ClientSession, sessionOf } from '../../rooms/client-session';
import { LaggingWelcome } from '../../rooms/lagging-welcome';
import { ProtocolErrorFilter, sendError } from '../../rooms/protocol-error.filter';
import { RoomsService } from '../../rooms/rooms.service';
import { SessionRegistry } from '../../rooms/session-registry';
import { LEGACY_PATH, type LegacyMap, type LegacyRequest, parseLegacyFrame } from './legacy-frames';
import { LegacyGameNames } from './legacy-game-names';
import { LegacyRooms } from './legacy-rooms.service';
import { errorFrame } from './legacy-view';
import { LegacyCodec, rawText } from './legacy-codec';

/** The original server closed a socket whose first frame did not come within this time. */
export const FIRST_FRAME_MS = 5000;
/** Frames a client may send while its first `10` is being checked; they are handled after it. */
const MAX_EARLY_FRAMES = 16;

type Enter = Extract<LegacyRequest, { type: 'legacy.enter' }>;

/**
 * The original clients' endpoint, `/library` (docs/LEGACY-PROTOCOL.md). The upgrade carries no
 * token: the first frame must be a `10` with one, within FIRST_FRAME_MS, or the socket is closed
 * (1008). From then on the socket is a session like any other: its frames go through the same edge
 * (queue, flood guard) decoded by its codec (legacy-codec.ts), into the same RoomsService, and
 * what the room sends it is encoded by that codec. No rules here.
 */
@WebSocketGateway({ path: LEGACY_PATH })
@UseFilters(ProtocolErrorFilter)
export class LegacyGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly codec: LegacyCodec;

  constructor(
    private readonly legacy: LegacyRooms,
    private readonly rooms: RoomsService,
    private readonly sessions: SessionRegistry,
    private readonly laggingWelcome: LaggingWelcome,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly log: Logger,
    names: LegacyGameNames,
  ) {
    this.codec = new LegacyCodec(names);
  }

  /** Until its first `10` is accepted the socket has no session, so the edge leaves its frames to this. */
  handleConnection(ws: WebSocket, req: IncomingMessage): void {
    const early: [WebSocket.RawData, boolean][] = [];
    let checking = false;
    const timer = setTimeout(
      () => refuse(ws, 'BAD_REQUEST', `send 10 (enter) within ${FIRST_FRAME_MS / 1000} s`),
      FIRST_FRAME_MS,
    );
    timer.unref();
    ws.once('close', () => clearTimeout(timer));
    const onFrame = (data: WebSocket.RawData, isBinary: boolean) => {
      if (sessionOf(ws)) return;
      if (checking) {
        if (early.length < MAX_EARLY_FRAMES) early.push([data, isBinary]);
        else refuse(ws, 'RATE_LIMITED', 'too many frames before the room');
        return;
      }
      const first = isBinary ? undefined : parseLegacyFrame(rawText(data));
      if (!first?.ok || first.request.type !== 'legacy.enter') {
        clearTimeout(timer);
        return refuse(ws, 'BAD_REQUEST', first && !first.ok ? first.message : 'the first frame must be 10 (enter)');
      }
      checking = true;
      const enter = first.request;
      this.legacy.identify(enter.token).then(
        (identity) => {
          clearTimeout(timer);
          if (ws.readyState !== WebSocket.OPEN) return;
          ws.off('message', onFrame);
          const session = new ClientSession(
            ws,
            identity,
            this.config.ws.backlog,
            this.log,
            req.socket,
            this.codec.format,
          );
          session.resendRoom = (s) => this.laggingWelcome.send(s);
          attachSession(ws, session);
          this.sessions.connected(session);
          session.enqueue(
            () => this.legacy.enter(session, enter.roomId).catch((err: unknown) => sendError(session, err)),
            Infinity,
          );
          // The edge's listener skipped these (no session yet): it takes them now, in their order.
          for (const [d, b] of early) ws.emit('message', d, b);
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (!(err instanceof ProtocolError)) {
            this.log.error({ err }, 'legacy enter failed');
            return refuse(ws, 'INTERNAL', 'internal error', CloseCode.POLICY_VIOLATION);
          }
          refuse(ws, err.code, err.message, LegacyRooms.refusalCloseCode(err));
        },
      );
    };
    ws.on('message', onFrame);
  }

  async handleDisconnect(ws: WebSocket): Promise<void> {
    const session = sessionOf(ws);
    if (session) await this.sessions.disconnected(session);
  }

  @SubscribeMessage('legacy.enter')
  enter(@ConnectedSocket() ws: WebSocket, @MessageBody() msg: Enter) {
    return this.legacy.reenter(sessionOf(ws)!, msg.roomId, msg.token);
  }

  /** `20`, decoded as a v1 `move` (the edge's hot path takes it before this, as for v1 sockets). */
  @SubscribeMessage('move')
  move(@ConnectedSocket() ws: WebSocket, @MessageBody() msg: MoveMessage) {
    return this.rooms.move(sessionOf(ws)!, msg);
  }

  @SubscribeMessage('legacy.build')
  build(@ConnectedSocket() ws: WebSocket, @MessageBody() msg: { map: LegacyMap }) {
    return this.legacy.build(sessionOf(ws)!, msg.map);
  }

  @SubscribeMessage('legacy.sync')
  sync(@ConnectedSocket() ws: WebSocket) {
    return this.legacy.sync(sessionOf(ws)!);
  }

  @SubscribeMessage('legacy.leave')
  leave(@ConnectedSocket() ws: WebSocket) {
    return this.legacy.leave(sessionOf(ws)!);
  }
}

/** A socket refused before it has a session: its `99`, then the close. */
function refuse(ws: WebSocket, code: string, message: string, closeCode: number = CloseCode.POLICY_VIOLATION): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(errorFrame(code, message));
  ws.close(closeCode, 'refused');
}
