/** Node entry of the client library: opens sockets with the `ws` package. */
import WebSocket from 'ws';
import { MyRoomClient, type MyRoomClientOptions, type WebSocketLike } from './myroom-client';

export * from './myroom-client';

export function connectNode(opts: Omit<MyRoomClientOptions, 'createSocket'>): Promise<MyRoomClient> {
  return MyRoomClient.connect({
    ...opts,
    createSocket: (url, protocols) =>
      new WebSocket(url, protocols, { perMessageDeflate: false }) as unknown as WebSocketLike,
  });
}
export * from './room-model';
export * from './room-session';
export * from './backoff';
