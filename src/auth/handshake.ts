import type { IncomingMessage } from 'node:http';
import { offersOurSubprotocol, selectSubprotocol } from '../codec/codecs';
import { bearerToken } from './bearer';

const BEARER_PROTOCOL_PREFIX = 'bearer.';

/**
 * The token of an upgrade request, from `Authorization: Bearer <jwt>` (servers, bots) or from the
 * offered subprotocols `myroom.v1, bearer.<jwt>` (browsers cannot set headers on a WebSocket; any
 * of our subprotocols will do beside the token, e.g. `myroom.v1.msgpack, bearer.<jwt>`).
 */
export function tokenFromRequest(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  // A header that is there but not Bearer is refused, never passed over for the subprotocol.
  if (auth) return bearerToken(auth);
  const offered = offeredProtocols(req);
  if (!offersOurSubprotocol(offered)) return undefined;
  const bearer = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  return bearer ? bearer.slice(BEARER_PROTOCOL_PREFIX.length) : undefined;
}

export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  if (!raw) return [];
  return (Array.isArray(raw) ? raw.join(',') : raw)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * `ws` echoes the first offered protocol by default; we pick by our own preference among ours
 * (codec/codecs.ts: MessagePack over JSON, batched over not, `myroom.v1.batch` only beside
 * `myroom.v1`), so the client knows which frames will come, and never the token.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  return selectSubprotocol(protocols);
}

export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const origin = req.headers.origin;
  // Non-browser clients send no Origin; the allow-list guards browsers against cross-site use.
  if (!origin) return true;
  return allowed.includes(origin);
}

const IDENTITY = Symbol('identity');
type WithIdentity = IncomingMessage & { [IDENTITY]?: import('./identity').Identity };

/** The handshake stores the verified identity on the upgrade request for the gateway to read. */
export function setIdentity(req: IncomingMessage, identity: import('./identity').Identity): void {
  (req as WithIdentity)[IDENTITY] = identity;
}
export function identityOf(req: IncomingMessage): import('./identity').Identity | undefined {
  return (req as WithIdentity)[IDENTITY];
}
