import { Packr, Unpackr } from 'msgpackr';
import type { ClientCodec } from './client-codec';

export const MSGPACK_PROTOCOL = 'myroom.v1.msgpack';
export const MSGPACK_BATCH_PROTOCOL = 'myroom.v1.msgpack.batch';

// Plain MessagePack, as the server writes it (no msgpackr records).
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** `myroom.v1.msgpack` (or its batched variant): binary frames, one MessagePack map each. */
export const msgpackClientCodec: ClientCodec = {
  name: 'msgpack',
  protocols: (batch) => [batch ? MSGPACK_BATCH_PROTOCOL : MSGPACK_PROTOCOL],
  encode: (message) => packr.pack(message),
  decodeBinary: (data) => unpackr.unpack(data) as Record<string, unknown>,
};
