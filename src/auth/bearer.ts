/**
 * The token of an `Authorization: Bearer <token>` header, the one form HTTP routes and the
 * WebSocket handshake both accept; undefined for a missing header or any other scheme.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return m ? m[1] : undefined;
}
