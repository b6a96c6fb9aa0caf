import { Injectable } from '@nestjs/common';
import { IdentityProviderUnavailableError, InvalidTokenError, TokenService } from '../auth/token.service';
import { audit } from '../logging/audit';
import { CloseCode } from '../protocol/close-codes';
import { BadRequestError, ForbiddenError, ProtocolError, UnavailableError } from '../protocol/errors';
import type { RefreshMessage } from '../protocol/messages';
import type { ClientSession } from './client-session';
import { sendError } from './protocol-error.filter';
import { WsSpan } from './ws-span';

/**
 * A session's token after the handshake: `refresh` (PROTOCOL.md §2) swaps it for a newer one of
 * the same user and moves the session's 4004 deadline to the new token's `exp`.
 */
@Injectable()
export class SessionAuth {
  constructor(private readonly tokens: TokenService) {}

  @WsSpan('refresh')
  async refresh(session: ClientSession, msg: RefreshMessage): Promise<void> {
    const actor = session.identity.userId;
    let identity;
    try {
      identity = await this.tokens.verify(msg.token);
    } catch (err) {
      // The session keeps its current token and deadline; the client may try again before it.
      const refused =
        err instanceof InvalidTokenError
          ? new BadRequestError(`token: not accepted (${err.message})`)
          : err instanceof IdentityProviderUnavailableError
            ? new UnavailableError('the identity provider cannot be reached to check the token; try again')
            : err;
      audit(session.log, {
        actor,
        action: 'access.refresh',
        result: 'refused',
        code: codeOf(refused),
        reason: (err as Error).message,
      });
      throw refused;
    }
    if (identity.userId !== actor) {
      // Handing a socket to another user is never a mistake worth a second chance.
      audit(session.log, {
        actor,
        action: 'access.refresh',
        result: 'refused',
        code: 'FORBIDDEN',
        tokenUser: identity.userId,
      });
      sendError(session, new ForbiddenError('the token is for another user'), msg.id);
      session.close(CloseCode.POLICY_VIOLATION, 'token for another user');
      return;
    }
    // The avatar keeps the name it entered with; the new name shows from the next enter on.
    session.identity = identity;
    session.expireAt(identity.expiresAt);
    audit(session.log, {
      actor,
      action: 'access.refresh',
      roomId: session.seat?.roomId,
      result: 'ok',
      expiresAt: identity.expiresAt,
    });
    if (msg.id !== undefined) session.sendMessage({ type: 'ack', id: msg.id });
  }
}

function codeOf(err: unknown): string {
  return err instanceof ProtocolError ? err.code : 'INTERNAL';
}
