import { BATCH_SUBPROTOCOL, PROTOCOL_SUBPROTOCOL } from '../protocol/messages';
import { jsonCodec } from './json-codec';
import type { WireCodec } from './wire-codec';

/** What a negotiated subprotocol means for a socket: its codec, and whether its room events come batched. */
export interface WireFormat {
  codec: WireCodec;
  batched: boolean;
}

/**
 * Our subprotocols, most preferred first: the handshake selects the first one the client offered
 * (auth/handshake.ts), and a session reads its wire format from the one selected.
 */
const FORMATS: ReadonlyArray<{ protocol: string; format: WireFormat }> = [
  { protocol: BATCH_SUBPROTOCOL, format: { codec: jsonCodec, batched: true } },
  { protocol: PROTOCOL_SUBPROTOCOL, format: { codec: jsonCodec, batched: false } },
];

export const SUBPROTOCOLS: readonly string[] = FORMATS.map((f) => f.protocol);

const PLAIN_JSON: WireFormat = { codec: jsonCodec, batched: false };

/** The wire format of a socket, by its selected subprotocol (none, as in tests: plain JSON). */
export function wireFormat(protocol: string): WireFormat {
  return FORMATS.find((f) => f.protocol === protocol)?.format ?? PLAIN_JSON;
}
