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
import { identityOf } from '../auth/handshake';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { LOGGER, type Logger } from '../logging/logger';
import type {
  BuildMessage,
  EnterMessage,
  LeaveMessage,
  MoveMessage,
  RefreshMessage,
  ReplayMessage,
  SayMessage,
} from '../protocol/messages';
import { ChatService } from './chat/chat.service';
import { ReplayService } from './history/replay.service';
import { attachSession, ClientSession, sessionOf } from './client-session';
import { LaggingWelcome } from './lagging-welcome';
import { ProtocolErrorFilter } from './protocol-error.filter';
import { RoomsService } from './rooms.service';
import { SessionAuth } from './session-auth';
import { SessionRegistry } from './session-registry';
import { ConfiguredWriteCoalescer } from './write-coalescer';

/**
 * Frames ↔ RoomsService, sockets opening and closing ↔ SessionRegistry. Frames arrive here
 * already parsed and validated by the adapter (rooms/edge/room-ws.adapter.ts), one at a time per
 * socket; no rules live here.
 */
@WebSocketGateway({ path: '/ws' })
@UseFilters(ProtocolErrorFilter)
export class RoomsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly rooms: RoomsService,
    private readonly sessions: SessionRegistry,
    private readonly auth: SessionAuth,
    private readonly laggingWelcome: LaggingWelcome,
    private readonly chat: ChatService,
    private readonly replays: ReplayService,
    private readonly writes: ConfiguredWriteCoalescer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  handleConnection(ws: WebSocket, req: IncomingMessage): void {
    const identity = identityOf(req);
    if (!identity) {
      ws.terminate();
      return;
    }
    const session = new ClientSession(ws, identity, this.config.ws.backlog, this.log, {
      tcp: req.socket,
      writes: this.writes,
    });
    session.resendRoom = (s) => this.laggingWelcome.send(s);
    attachSession(ws, session);
    this.sessions.connected(session);
  }

  async handleDisconnect(ws: WebSocket): Promise<void> {
    const session = sessionOf(ws);
    if (session) await this.sessions.disconnected(session);
  }

  @SubscribeMessage('enter')
  enter(@ConnectedSocket() ws: WebSocket, @MessageBody() msg: EnterMessage) {
    return this.rooms.enter(sessionOf(ws)!, msg);
  }

  @SubscribeMessage('move')
  move(@ConnectedSocket() ws: WebSocket, @MessageBody() msg: MoveMessage) {
    return this.rooms.move(sessionOf(ws)!, msg);
  }

  @SubscribeMessage('build')
  build(@ConnectedSocket() ws: WebSocket, @MessageBody() msg: BuildMessage) {
    return this.rooms.build(sessionOf(ws)!, msg);
  }

  @SubscribeMessage('leave')
  leave(@ConnectedSocket() ws: WebSocket, @MessageBody() msg: LeaveMessage) {
    return this.rooms.leave(sessionOf(ws)!, msg);
  }

  @SubscribeMessage('say')
  say(@ConnectedSocket() ws: WebSocket, @MessageBody() msg: SayMessage) {
    return this.chat.say(sessionOf(ws)!, msg);
  }

  @SubscribeMessage('replay')
  replay(@ConnectedSocket() ws: WebSocket, @MessageBody() msg: ReplayMessage) {
    return this.replays.start(sessionOf(ws)!, msg);
  }

  @SubscribeMessage('refresh')
  refresh(@ConnectedSocket() ws: WebSocket, @MessageBody() msg: RefreshMessage) {
    return this.auth.refresh(sessionOf(ws)!, msg);
  }
}
