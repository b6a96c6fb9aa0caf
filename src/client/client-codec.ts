/**
 * How the client library writes and reads frames (PROTOCOL.md §1a). JSON is built in; MessagePack
 * lives in msgpack-codec.ts, which the Node entry (node.ts) hands over, so that a browser bundle
 * that only speaks JSON does not carry a MessagePack library.
 */
export interface ClientCodec {
  readonly name: 'json' | 'msgpack';
  /** The subprotocols to offer, most wanted first (the token is added beside them). */
  protocols(batch: boolean): string[];
  encode(message: object): string | Uint8Array;
  /** A binary frame's message (MessagePack only). */
  decodeBinary?(data: Uint8Array): Record<string, unknown>;
}

export const PROTOCOL = 'myroom.v1';
export const BATCH_PROTOCOL = 'myroom.v1.batch';

export const jsonClientCodec: ClientCodec = {
  name: 'json',
  protocols: (batch) => [...(batch ? [BATCH_PROTOCOL] : []), PROTOCOL],
  encode: (message) => JSON.stringify(message),
};
