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
import type WebSocket from 'ws';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { LOGGER, type Logger } from '../../logging/logger';
import type { MoveMessage } from '../../protocol/messages';
import { attachSession, ClientSession, sessionOf } from '../../rooms/client-session';
import { LaggingWelcome } from '../../rooms/lagging-welcome';
import { ProtocolErrorFilter, sendError } from '../../rooms/protocol-error.filter';
import { RoomsService } from '../../rooms/rooms.service';
import { SessionRegistry } from '../../rooms/session-registry';
import { ConfiguredWriteCoalescer } from '../../rooms/write-coalescer';
import { LegacyCodec } from './legacy-codec';
import { awaitFirstEnter } from './legacy-first-frame';
import { LEGACY_PATH, type LegacyMap, type LegacyRequest } from './legacy-frames';
import { LegacyGameNames } from './legacy-game-names';
import { LegacyRooms } from './legacy-rooms.service';

type Enter = Extract<LegacyRequest, { type: 'legacy.enter' }>;

/**
 * The original clients' endpoint, `/library` (docs/LEGACY-PROTOCOL.md). The upgrade carries no
 * token: the first frame must be a `10` with one, within 5 s, or the socket is closed
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
    private readonly writes: ConfiguredWriteCoalescer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly log: Logger,
    names: LegacyGameNames,
  ) {
    this.codec = new LegacyCodec(names);
  }

  /** Until its first `10` is accepted the socket has no session (legacy-first-frame.ts). */
  handleConnection(ws: WebSocket, req: IncomingMessage): void {
    awaitFirstEnter(ws, {
      identify: (token) => this.legacy.identify(token),
      entered: (identity, roomId) => {
        const { backlog } = this.config.ws;
        const session = new ClientSession(ws, identity, backlog, this.log, {
          tcp: req.socket,
          format: this.codec.format,
          writes: this.writes,
        });
        session.resendRoom = (s) => this.laggingWelcome.send(s);
        attachSession(ws, session);
        this.sessions.connected(session);
        session.enqueue(
          () => this.legacy.enter(session, roomId).catch((err: unknown) => sendError(session, err)),
          Infinity,
        );
      },
      log: this.log,
    });
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
