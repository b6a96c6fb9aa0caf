import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import { lastValueFrom, isObservable, type Observable } from 'rxjs';
import type WebSocket from 'ws';
import type { WebSocketServer } from 'ws';
import { selectProtocol } from '../../auth/handshake';
import { LEGACY_PATH } from '../../codec/legacy/legacy-frames';
import type { DecodedMessage } from '../../codec/wire-codec';
import type { TokenService } from '../../auth/token.service';
import type { AppConfig } from '../../config/config';
import { framesReceived, handshakesRefused } from '../../common/metrics';
import type { Logger } from '../../logging/logger';
import type { MapStore } from '../../maps/map-store';
import { BadRequestError } from '../../protocol/errors';
import type { MoveMessage } from '../../protocol/messages';
import { type ClientSession, sessionOf } from '../client-session';
import { sendError } from '../protocol-error.filter';
import { FloodGuard } from './flood-guard';
import { HandshakeVerifier } from './handshake-verifier';
import { startHeartbeat } from './heartbeat';

/** Frames a socket may have waiting behind the one being handled; more is a flood. */
const MAX_QUEUED_FRAMES = 64;

export interface EdgeDeps {
  config: AppConfig;
  tokens: TokenService;
  maps: MapStore;
  log: Logger;
  /** Plain function so the edge does not care which provider knows whether we are draining. */
  isDraining: () => boolean;
  /**
   * The `move` handler, called directly: the hot path skips Nest's handler pipeline (context,
   * observable, exception zone), whose cost per frame is several times the move's own. Errors are
   * answered as ProtocolErrorFilter answers them (it is the only piece of that pipeline the
   * gateway uses). Without it, moves go through the gateway like every other frame.
   */
  move?: (session: ClientSession, msg: MoveMessage) => Promise<void>;
}

type VerifyCallback = (ok: boolean, code?: number, message?: string) => void;

/**
 * The WebSocket edge, installed by bootstrap.ts (`app.useWebSocketAdapter`). It wires, per socket:
 * the handshake (handshake-verifier.ts), the heartbeat (heartbeat.ts), and for each frame, strictly
 * one after another through the session's queue: flood control (flood-guard.ts), decoding and
 * schema validation (the session's codec, src/codec), then the gateway's handler for the frame's `type`.
 *
 * Why these are not Nest guards, pipes or interceptors: Nest's pipeline starts once a frame has
 * been routed to a `@SubscribeMessage` handler, and routing needs a parsed frame with a known
 * `type`. The protocol also answers what never gets that far: a refused handshake (HTTP 401/403/
 * 503, before any socket exists), frames over the rate or beyond a full queue, non-JSON and unknown
 * types (BAD_REQUEST). The stock adapter would drop those silently. What does fit is Nest's
 * exception filter: errors thrown by handlers become `error` frames in ProtocolErrorFilter.
 */
export class RoomWsAdapter extends WsAdapter {
  private readonly handshake: HandshakeVerifier;
  private readonly flood: FloodGuard;
  private readonly stopHeartbeats = new Map<WebSocketServer, () => void>();

  constructor(
    app: INestApplicationContext,
    private readonly deps: EdgeDeps,
  ) {
    super(app);
    this.handshake = new HandshakeVerifier(deps);
    this.flood = new FloodGuard(deps.config.ws.rateLimitPerSec, deps.config.ws.rateLimitStrikes);
  }

  override create(port: number, options: Record<string, unknown> = {}): WebSocketServer {
    // The original clients' endpoint: they send their token in their first frame, not the upgrade.
    const legacy = options.path === LEGACY_PATH;
    const server = super.create(port, {
      ...options,
      maxPayload: this.deps.config.ws.maxPayload,
      // Off: it costs about ten times the CPU per frame, and room events are written to the TCP
      // stream already framed (ClientSession.writeEvent), which a compressing `ws` would reorder.
      perMessageDeflate: false,
      verifyClient: (info: { req: IncomingMessage }, cb: VerifyCallback) =>
        legacy ? this.verifyTokenless(info.req, cb) : void this.verify(info.req, cb),
      ...(legacy ? {} : { handleProtocols: (protocols: Set<string>) => selectProtocol(protocols) }),
    }) as WebSocketServer;
    this.stopHeartbeats.set(server, startHeartbeat(server, this.deps.config.ws.pingIntervalMs));
    return server;
  }

  override async close(server: WebSocketServer): Promise<void> {
    this.stopHeartbeats.get(server)?.();
    this.stopHeartbeats.delete(server);
    await super.close(server);
  }

  private async verify(req: IncomingMessage, cb: VerifyCallback): Promise<void> {
    const verdict = await this.handshake.verify(req);
    if (verdict.ok) return cb(true);
    handshakesRefused.inc({ status: String(verdict.status) });
    cb(false, verdict.status, verdict.message);
  }

  /** What the handshake checks without a token: the first frame brings it (codec/legacy). */
  private verifyTokenless(req: IncomingMessage, cb: VerifyCallback): void {
    const verdict = this.handshake.verifyTokenless(req);
    if (verdict.ok) return cb(true);
    handshakesRefused.inc({ status: String(verdict.status) });
    cb(false, verdict.status, verdict.message);
  }

  override bindMessageHandlers(
    ws: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    const byType = new Map(handlers.map((h) => [String(h.message), h]));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const session = sessionOf(ws);
      if (!session) return;
      // Any frame proves the client alive, as a pong does.
      session.alive = true;
      const accepted = session.enqueue(
        () => this.handleFrame(session, data, isBinary, byType, transform),
        MAX_QUEUED_FRAMES,
      );
      if (!accepted) this.flood.strike(session, 1000, session.codec.peekRequestId(data, isBinary));
    });
  }

  private async handleFrame(
    session: ClientSession,
    data: WebSocket.RawData,
    isBinary: boolean,
    byType: Map<string, MessageMappingProperties>,
    transform: (data: unknown) => Observable<unknown>,
  ): Promise<void> {
    // Frames queued behind a close are not acted on: nobody is there to see the result.
    if (!session.isOpen) return;
    const retryAfterMs = await this.flood.take(session);
    if (retryAfterMs !== undefined)
      return this.flood.strike(session, retryAfterMs, session.codec.peekRequestId(data, isBinary));
    const frame = session.codec.decode(data, isBinary);
    if (!frame.ok) return sendError(session, frame.error, frame.requestId);
    const { message, requestId } = frame;
    framesReceived.inc({ type: message.type });
    const move = this.deps.move;
    if (move && isMove(message))
      return move(session, message).catch((err: unknown) => sendError(session, err, requestId));
    const handler = byType.get(message.type);
    if (!handler) return sendError(session, new BadRequestError(`type: "${message.type}" is not handled`), requestId);
    const result = transform(handler.callback(message, message.type));
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }
}

/** A v1 `move`, whichever codec decoded it: the hot path. */
const isMove = (m: DecodedMessage): m is MoveMessage => m.type === 'move';
