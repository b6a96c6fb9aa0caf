import type { IncomingMessage } from 'node:http';
import { originAllowed, setIdentity, tokenFromRequest } from '../../auth/handshake';
import { IdentityProviderUnavailableError, InvalidTokenError, type TokenService } from '../../auth/token.service';
import type { AppConfig } from '../../config/config';
import type { Logger } from '../../logging/logger';
import type { MapStore } from '../../maps/map-store';

/** What the handshake answers: the upgrade goes ahead, or an HTTP status instead of a socket. */
export type HandshakeVerdict = { ok: true } | { ok: false; status: 401 | 403 | 503; message: string };

export interface HandshakeDeps {
  config: AppConfig;
  tokens: TokenService;
  maps: MapStore;
  log: Logger;
  isDraining: () => boolean;
}

const UNAUTHORIZED: HandshakeVerdict = { ok: false, status: 401, message: 'Unauthorized' };
const FORBIDDEN: HandshakeVerdict = { ok: false, status: 403, message: 'Forbidden' };
const UNAVAILABLE: HandshakeVerdict = { ok: false, status: 503, message: 'Service Unavailable' };

/**
 * Decides an upgrade request before it becomes a socket, so a refused client gets a plain HTTP
 * status (PROTOCOL.md §1) rather than a socket that closes at once. On success the verified
 * identity is stored on the request, where the gateway's handleConnection reads it.
 */
export class HandshakeVerifier {
  constructor(private readonly deps: HandshakeDeps) {}

  async verify(req: IncomingMessage): Promise<HandshakeVerdict> {
    const open = this.verifyTokenless(req);
    if (!open.ok) return open;
    const token = tokenFromRequest(req);
    if (!token) return UNAUTHORIZED;
    let identity;
    try {
      identity = await this.deps.tokens.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) {
        this.deps.log.info({ reason: err.message, ip: req.socket.remoteAddress }, 'handshake refused');
        return UNAUTHORIZED;
      }
      if (err instanceof IdentityProviderUnavailableError) {
        this.deps.log.warn({ reason: err.message }, 'handshake refused: cannot check the token now');
        return UNAVAILABLE;
      }
      throw err;
    }
    // Tokens are minted elsewhere: a user may be new to this database, or renamed since. Their
    // row and their own room must exist before they enter anything.
    try {
      await this.deps.maps.upsertUser(identity);
    } catch (err) {
      this.deps.log.warn({ err, user: identity.userId }, 'could not record the user; refusing the handshake');
      return UNAVAILABLE;
    }
    setIdentity(req, identity);
    return { ok: true };
  }

  /** The checks that need no token: for an endpoint whose clients authenticate in their first frame. */
  verifyTokenless(req: IncomingMessage): HandshakeVerdict {
    // A draining instance takes no one new: the client retries and lands on another instance.
    if (this.deps.isDraining()) return UNAVAILABLE;
    if (!originAllowed(req, this.deps.config.ws.allowedOrigins)) return FORBIDDEN;
    return { ok: true };
  }
}
