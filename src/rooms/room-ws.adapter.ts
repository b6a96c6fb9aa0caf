import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { lastValueFrom, isObservable, type Observable } from 'rxjs';
import type WebSocket from 'ws';
import type { WebSocketServer } from 'ws';
import { originAllowed, selectProtocol, setIdentity, tokenFromRequest } from '../auth/handshake';
import { InvalidTokenError, type TokenService } from '../auth/token.service';
import type { AppConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import type { MapStore } from '../maps/map-store';
import { CloseCode } from '../protocol/close-codes';
import { BadRequestError, RateLimitedError } from '../protocol/errors';
import { clientMessageSchemas, isClientMessageType } from '../protocol/messages';
import { type ClientSession, sessionOf } from './client-session';
import { sendError } from './protocol-error.filter';
import { framesReceived } from '../common/metrics';

const MAX_QUEUED_FRAMES = 64;
const STRIKE_FORGIVE_MS = 10_000;

export interface EdgeDeps {
  config: AppConfig;
  tokens: TokenService;
  maps: MapStore;
  log: Logger;
  isDraining: () => boolean;
}

type VerifyCallback = (ok: boolean, code?: number, message?: string) => void;

/**
 * The WebSocket edge, configured once in main.ts:
 * - authenticates the handshake (401/403 before the upgrade) and selects the `myroom.v1` subprotocol;
 * - parses our `{ type, … }` frames itself (the stock adapter expects `{ event, data }` and drops
 *   everything else silently), validates each against its schema and answers BAD_REQUEST;
 * - rate-limits, and runs each socket's frames strictly one after another;
 * - pings every socket and marks the ones that stop answering as timed out.
 */
export class RoomWsAdapter extends WsAdapter {
  private readonly limiter: RateLimiterMemory;
  private heartbeats = new Map<WebSocketServer, NodeJS.Timeout>();

  constructor(app: INestApplicationContext, private readonly deps: EdgeDeps) {
    super(app);
    this.limiter = new RateLimiterMemory({ points: deps.config.ws.rateLimitPerSec, duration: 1 });
  }

  override create(port: number, options: Record<string, unknown> = {}): WebSocketServer {
    const server = super.create(port, {
      ...options,
      maxPayload: this.deps.config.ws.maxPayload,
      perMessageDeflate: false,
      verifyClient: (info: { req: IncomingMessage }, cb: VerifyCallback) => void this.verify(info.req, cb),
      handleProtocols: (protocols: Set<string>) => selectProtocol(protocols),
    }) as WebSocketServer;
    this.startHeartbeat(server);
    return server;
  }

  override async close(server: WebSocketServer): Promise<void> {
    clearInterval(this.heartbeats.get(server));
    this.heartbeats.delete(server);
    await super.close(server);
  }

  private async verify(req: IncomingMessage, cb: VerifyCallback): Promise<void> {
    if (this.deps.isDraining()) return cb(false, 503, 'Service Unavailable');
    if (!originAllowed(req, this.deps.config.ws.allowedOrigins)) return cb(false, 403, 'Forbidden');
    const token = tokenFromRequest(req);
    if (!token) return cb(false, 401, 'Unauthorized');
    let identity;
    try {
      identity = this.deps.tokens.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) {
        this.deps.log.info({ reason: err.message, ip: req.socket.remoteAddress }, 'handshake refused');
        return cb(false, 401, 'Unauthorized');
      }
      throw err;
    }
    try {
      await this.deps.maps.upsertUser(identity);
    } catch (err) {
      this.deps.log.warn({ err, user: identity.userId }, 'could not record the user; refusing the handshake');
      return cb(false, 503, 'Service Unavailable');
    }
    setIdentity(req, identity);
    cb(true);
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
      session.alive = true;
      const accepted = session.enqueue(() => this.handleFrame(session, data, isBinary, byType, transform), MAX_QUEUED_FRAMES);
      if (!accepted) this.strike(session, 1000, requestIdOf(data, isBinary));
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
    try {
      await this.limiter.consume(session.id);
    } catch (res) {
      if (res instanceof RateLimiterRes) return this.strike(session, res.msBeforeNext, requestIdOf(data, isBinary));
      throw res;
    }
    if (isBinary) return sendError(session, new BadRequestError('binary frames are not supported; send JSON text'));
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      return sendError(session, new BadRequestError('frame is not valid JSON'));
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return sendError(session, new BadRequestError('a message must be a JSON object'));
    }
    const msg = raw as { type?: unknown; id?: unknown };
    const requestId = typeof msg.id === 'string' && msg.id.length <= 64 ? msg.id : undefined;
    if (msg.id !== undefined && requestId === undefined) {
      return sendError(session, new BadRequestError('id: must be a string of at most 64 characters'));
    }
    if (typeof msg.type !== 'string') return sendError(session, new BadRequestError('type: required string'), requestId);
    if (!isClientMessageType(msg.type)) {
      return sendError(session, new BadRequestError(`type: unknown message type "${msg.type.slice(0, 32)}"`), requestId);
    }
    const parsed = clientMessageSchemas[msg.type].safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return sendError(session, new BadRequestError(`${issue.path.join('.') || '(message)'}: ${issue.message}`), requestId);
    }
    framesReceived.inc({ type: msg.type });
    const handler = byType.get(msg.type);
    if (!handler) return sendError(session, new BadRequestError(`type: "${msg.type}" is not handled`), requestId);
    const result = transform(handler.callback(parsed.data, msg.type));
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }

  /** Answers RATE_LIMITED (echoing the refused request's id); a client that keeps flooding is disconnected (1008). */
  private strike(session: ClientSession, retryAfterMs: number, requestId: string | undefined): void {
    // Strikes count a flood, not a lifetime: a quiet spell forgives earlier bursts.
    const now = Date.now();
    if (now - session.lastStrikeAt > STRIKE_FORGIVE_MS) session.rateStrikes = 0;
    session.lastStrikeAt = now;
    session.rateStrikes++;
    if (session.rateStrikes >= this.deps.config.ws.rateLimitStrikes) {
      session.log.warn({ strikes: session.rateStrikes }, 'flooding: closing');
      session.close(CloseCode.POLICY_VIOLATION, 'flooding');
      return;
    }
    sendError(session, new RateLimitedError(Math.max(1, Math.ceil(retryAfterMs))), requestId);
  }

  private startHeartbeat(server: WebSocketServer): void {
    const timer = setInterval(() => {
      for (const ws of server.clients) {
        const session = sessionOf(ws);
        if (!session) continue;
        if (!session.alive) {
          session.closeReason = 'timeout';
          session.log.info({ room: session.seat?.roomId }, 'missed pings: timing out');
          ws.terminate();
          continue;
        }
        session.alive = false;
        ws.ping();
      }
    }, this.deps.config.ws.pingIntervalMs);
    timer.unref();
    this.heartbeats.set(server, timer);
  }
}

/**
 * The `id` of a frame refused before it is handled (rate limit, full queue). PROTOCOL.md: the reply
 * to a request echoes its id, and RATE_LIMITED is that reply; without the id a client waiting on
 * its request would never hear back. Frames are at most WS_MAX_PAYLOAD bytes, so this parse is cheap.
 */
function requestIdOf(data: WebSocket.RawData, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  try {
    const id = (JSON.parse(data.toString()) as { id?: unknown } | null)?.id;
    return typeof id === 'string' && id.length <= 64 ? id : undefined;
  } catch {
    return undefined;
  }
}
