/** Node entry of the client library: opens sockets with the `ws` package. */
import WebSocket from 'ws';
import { msgpackClientCodec } from './msgpack-codec';
import { MyRoomClient, type MyRoomClientOptions, type WebSocketLike } from './myroom-client';

export * from './myroom-client';

/** `codec: 'msgpack'` works here as it is: the MessagePack implementation comes along. */
export function connectNode(opts: Omit<MyRoomClientOptions, 'createSocket'>): Promise<MyRoomClient> {
  return MyRoomClient.connect({
    ...(opts.codec === 'msgpack' ? { wireCodec: msgpackClientCodec } : {}),
    ...opts,
    createSocket: (url, protocols) =>
      new WebSocket(url, protocols, { perMessageDeflate: false }) as unknown as WebSocketLike,
  });
}
export * from './room-model';
export * from './room-session';
export * from './backoff';
export { msgpackClientCodec, MSGPACK_BATCH_PROTOCOL, MSGPACK_PROTOCOL } from './msgpack-codec';
