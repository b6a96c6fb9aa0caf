import WebSocket from 'ws';
import { MyRoomClient, type WebSocketLike } from '../myroom-client';

const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Why the terminal client could not connect, in words a person can act on. */
export class ConnectError extends Error {}

/**
 * Opens a MyRoomClient over the `ws` package, remembering why a handshake failed: the library
 * only knows that it did, and "HTTP 401" and "connection refused" call for different fixes.
 */
export async function connectTerminal(
  url: string,
  token: string,
  refreshToken?: () => Promise<string>,
): Promise<MyRoomClient> {
  let failure: (Error & { code?: string }) | undefined;
  try {
    return await MyRoomClient.connect({
      url,
      token,
      // --user mints tokens here, so it refreshes by itself; a --token cannot be renewed here.
      ...(refreshToken ? { refreshToken } : {}),
      createSocket: (u, protocols) => {
        const ws = new WebSocket(u, protocols, { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
        ws.on('error', (err) => (failure ??= err));
        return ws as unknown as WebSocketLike;
      },
    });
  } catch (err) {
    throw new ConnectError(explain(url, failure ?? (err as Error)));
  }
}

function explain(url: string, err: Error & { code?: string }): string {
  const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
  if (status === '401') {
    return `the server refused the token (HTTP 401): it is missing, malformed, expired or signed with another secret than the server's JWT_SECRET. Get a fresh one with \`npm run token -- <userId>\`, or pass --user <userId> from a shell with the server's JWT_SECRET.`;
  }
  if (status === '403') return `the server refused this origin (HTTP 403; see ALLOWED_ORIGINS)`;
  if (status) return `the server refused the connection (HTTP ${status}); is ${url} a My Room WebSocket endpoint?`;
  if (err.code === 'ECONNREFUSED')
    return `nothing is listening at ${url} (connection refused). Is the server running? Start it with \`npm start\`.`;
  if (err.code === 'ENOTFOUND') return `unknown host in ${url}`;
  return `could not connect to ${url}: ${err.message}`;
}
