import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { CATALOGUE } from '../../src/domain/map';
import { clientMessageSchemas, DIRECTIONS, ROLES } from '../../src/protocol/messages';

/**
 * fast-check generators of client frames, from valid messages to hostile garbage: shared by the
 * decoders' property test (src/codec) and the socket-level fuzz on a real server.
 */

export const KNOWN_TYPES = Object.keys(clientMessageSchemas);

/** Keys a hostile client would try, beside the protocol's own field names. */
const nastyKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'type',
  'id',
  'roomId',
  'as',
  'resume',
  'dir',
  'baseVersion',
  'ops',
  'op',
  'kind',
  'x',
  'y',
  'gameId',
  'objectId',
  'token',
  'seq',
);
const key = fc.oneof(nastyKey, fc.string({ maxLength: 12 }));
/** Numbers JSON can carry that a schema must refuse or bound: huge, tiny, fractional, negative zero. */
const awkwardNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, 10_001, -1, 0.5),
);
/** Text for numbers JSON.parse turns into Infinity or loses precision on. */
const numberLiteral = fc.constantFrom(
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '1.0',
  '1e2',
  '-0',
  '0.0000001',
);

export const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    awkwardNumber,
    fc.string({ maxLength: 20 }),
    fc.constantFrom(...KNOWN_TYPES, ...DIRECTIONS, ...ROLES),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(key, tie('v'), { maxKeys: 5 }),
  ),
})).v;

const requestId = fc.oneof(fc.string({ maxLength: 64 }), fc.constant(undefined));
const roomId = fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,64}$/);
const placeOp = fc.record(
  {
    op: fc.constant('place' as const),
    kind: fc.constantFrom(...Object.keys(CATALOGUE)),
    x: fc.nat(10_000),
    y: fc.nat(10_000),
    gameId: fc.option(fc.integer({ min: 1, max: 2 ** 31 }), { nil: undefined }),
  },
  { requiredKeys: ['op', 'kind', 'x', 'y'] },
);
const removeOp = fc.record({
  op: fc.constant('remove' as const),
  objectId: fc.string({ minLength: 1, maxLength: 64 }),
});

/** Messages every schema accepts, with optional fields left out or present. */
export const validMessage: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record(
    {
      type: fc.constant('enter'),
      id: requestId,
      roomId,
      as: fc.constantFrom(...ROLES),
      resume: fc.record({ seq: fc.nat() }),
    },
    { requiredKeys: ['type', 'roomId'] },
  ),
  fc.record(
    { type: fc.constant('move'), id: requestId, dir: fc.constantFrom(...DIRECTIONS) },
    { requiredKeys: ['type', 'dir'] },
  ),
  fc.record(
    {
      type: fc.constant('build'),
      id: requestId,
      baseVersion: fc.nat(),
      ops: fc.array(fc.oneof(placeOp, removeOp), { minLength: 1, maxLength: 5 }),
    },
    { requiredKeys: ['type', 'baseVersion', 'ops'] },
  ),
  fc.record({ type: fc.constant('leave'), id: requestId }, { requiredKeys: ['type'] }),
  fc.record(
    { type: fc.constant('refresh'), id: requestId, token: fc.string({ minLength: 1, maxLength: 200 }) },
    { requiredKeys: ['type', 'token'] },
  ),
);

/** A valid message with one of its fields given a value of another kind, or a hostile extra key. */
const corruptedMessage = fc.tuple(validMessage, value, nastyKey).map(([msg, bad, extra]) => {
  const fields = Object.keys(msg).filter((k) => msg[k] !== undefined);
  const field = fields[Math.abs(JSON.stringify(bad)?.length ?? 0) % fields.length];
  return { ...msg, [field]: bad, ...(extra === '__proto__' ? {} : { [extra]: bad }) };
});

/** JSON text of a value, with `__proto__` spelled as an own key (as JSON.parse creates it). */
const protoText = fc.tuple(validMessage, value).map(([msg, v]) => {
  const body = JSON.stringify(msg);
  return `{"__proto__":${JSON.stringify({ polluted: v ?? 1 })},"constructor":{"prototype":{"polluted":1}},${body.slice(1)}`;
});

const deepText = fc
  .tuple(fc.integer({ min: 1, max: 300 }), fc.constantFrom('[', '{"a":'), validMessage)
  .map(([depth, open, msg]) => {
    const close = open === '[' ? ']' : '}';
    const inner = JSON.stringify(msg);
    return open.repeat(depth) + inner + close.repeat(depth);
  });
/** A valid message nested deep inside an extra field: the schemas strip it without walking it. */
const deepExtra = fc
  .tuple(fc.integer({ min: 1, max: 300 }), validMessage)
  .map(([depth, msg]) => `${JSON.stringify(msg).slice(0, -1)},"extra":${'['.repeat(depth)}${']'.repeat(depth)}}`);

const utf8Truncated = fc
  .tuple(validMessage, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), fc.nat())
  .map(([msg, s, cut]) => {
    const bytes = Buffer.from(JSON.stringify({ ...msg, roomId: `é${s}😀` }));
    return bytes.subarray(0, cut % (bytes.length + 1));
  });

export type Frame = { data: Buffer; isBinary: boolean };
export const text = (s: string): Frame => ({ data: Buffer.from(s), isBinary: false });

export const anyFrame: fc.Arbitrary<Frame> = fc.oneof(
  validMessage.map((m) => text(JSON.stringify(m))),
  corruptedMessage.map((m) => text(JSON.stringify(m))),
  value.map((v) => text(JSON.stringify(v) ?? '')),
  fc
    .tuple(fc.constantFrom(...KNOWN_TYPES), fc.dictionary(key, value, { maxKeys: 6 }))
    .map(([type, rest]) => text(JSON.stringify({ ...rest, type }))),
  fc
    .tuple(fc.constantFrom('x', 'y', 'baseVersion', 'gameId'), numberLiteral)
    .map(([field, n]) =>
      text(
        `{"type":"build","baseVersion":${field === 'baseVersion' ? n : 0},"ops":[{"op":"place","kind":"wall","x":${field === 'x' ? n : 1},"y":${field === 'y' ? n : 1}${field === 'gameId' ? `,"gameId":${n}` : ''}}]}`,
      ),
    ),
  protoText.map(text),
  deepText.map(text),
  deepExtra.map(text),
  utf8Truncated.map((data) => ({ data, isBinary: false })),
  fc.string({ maxLength: 40 }).map(text),
  fc.uint8Array({ maxLength: 64 }).map((a) => ({ data: Buffer.from(a), isBinary: false })),
  fc
    .tuple(validMessage, fc.boolean())
    .map(([m, raw]) => ({ data: raw ? Buffer.from([0x82, 0xa4]) : Buffer.from(JSON.stringify(m)), isBinary: true })),
);

/** Plain MessagePack, as any client library writes it (no msgpackr records). */
const packr = new Packr({ useRecords: false });
const binary = (v: unknown): Frame => ({ data: packr.pack(v), isBinary: true });
/** A MessagePack map nested `depth` levels deep (`{"a":{"a":…}}`) or in arrays, around `inner`. */
export function nestedMsgpack(depth: number, inner: Buffer, kind: 'array' | 'map'): Buffer {
  const level = kind === 'array' ? Buffer.from([0x91]) : Buffer.from([0x81, 0xa1, 0x61]);
  return Buffer.concat([Buffer.alloc(depth * level.length, level), inner]);
}

/** Frames for a MessagePack socket: the same messages and garbage as binary frames, plus what only bytes can get wrong. */
export const anyMsgpackFrame: fc.Arbitrary<Frame> = fc.oneof(
  validMessage.map(binary),
  corruptedMessage.map(binary),
  value.map(binary),
  fc
    .tuple(fc.constantFrom(...KNOWN_TYPES), fc.dictionary(key, value, { maxKeys: 6 }))
    .map(([type, rest]) => binary({ ...rest, type })),
  // `__proto__` as an own key of the map, as a hostile encoder writes it.
  protoText.map((t) => binary(JSON.parse(t))),
  fc
    .tuple(fc.integer({ min: 1, max: 300 }), fc.constantFrom('array' as const, 'map' as const), validMessage)
    .map(([depth, kind, msg]) => ({ data: nestedMsgpack(depth, packr.pack(msg), kind), isBinary: true })),
  // Truncated, or with bytes after the map.
  fc.tuple(validMessage, fc.nat()).map(([msg, cut]) => {
    const bytes = packr.pack(msg);
    return { data: bytes.subarray(0, cut % bytes.length), isBinary: true };
  }),
  fc
    .tuple(validMessage, fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([msg, tail]) => ({ data: Buffer.concat([packr.pack(msg), tail]), isBinary: true })),
  fc.uint8Array({ maxLength: 64 }).map((a) => ({ data: Buffer.from(a), isBinary: true })),
  // The wrong codec: JSON text, or MessagePack bytes sent as a text frame.
  validMessage.map((m) => text(JSON.stringify(m))),
  validMessage.map((m) => ({ data: packr.pack(m), isBinary: false })),
);
