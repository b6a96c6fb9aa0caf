import fc from 'fast-check';
import { CATALOGUE } from '../../domain/map';
import { clientMessageSchemas, DIRECTIONS, MAX_BUILD_OPS, ROLES } from '../../protocol/messages';
import { type DecodedFrame, decodeFrame, peekRequestId } from './frame-decoder';

/**
 * Property-based fuzz of the edge's decoding (PROTOCOL.md §2): whatever a client sends, decoding
 * never throws, and answers either one valid typed message or a BAD_REQUEST whose text names the
 * first wrong field, echoing the `id` only when the id itself is valid. Seeds are fixed so a
 * failure replays; fast-check prints the shrunk counterexample.
 */

const SEED = 20261130;
const KNOWN_TYPES = Object.keys(clientMessageSchemas);

// ---- generators -----------------------------------------------------------------------------

/** Keys a hostile client would try, beside the protocol's own field names. */
const nastyKey = fc.constantFrom(
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  'type', 'id', 'roomId', 'as', 'resume', 'dir', 'baseVersion', 'ops', 'op', 'kind', 'x', 'y', 'gameId', 'objectId', 'token', 'seq',
);
const key = fc.oneof(nastyKey, fc.string({ maxLength: 12 }));
/** Numbers JSON can carry that a schema must refuse or bound: huge, tiny, fractional, negative zero. */
const awkwardNumber = fc.oneof(
  fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, 10_001, -1, 0.5),
);
/** Text for numbers JSON.parse turns into Infinity or loses precision on. */
const numberLiteral = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '1.0', '1e2', '-0', '0.0000001');

const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null), fc.boolean(), awkwardNumber, fc.string({ maxLength: 20 }), fc.constantFrom(...KNOWN_TYPES, ...DIRECTIONS, ...ROLES),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(key, tie('v'), { maxKeys: 5 }),
  ),
})).v;

const requestId = fc.oneof(fc.string({ maxLength: 64 }), fc.constant(undefined));
const roomId = fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,64}$/);
const placeOp = fc.record({
  op: fc.constant('place' as const),
  kind: fc.constantFrom(...Object.keys(CATALOGUE)),
  x: fc.nat(10_000),
  y: fc.nat(10_000),
  gameId: fc.option(fc.integer({ min: 1, max: 2 ** 31 }), { nil: undefined }),
}, { requiredKeys: ['op', 'kind', 'x', 'y'] });
const removeOp = fc.record({ op: fc.constant('remove' as const), objectId: fc.string({ minLength: 1, maxLength: 64 }) });

/** Messages every schema accepts, with optional fields left out or present. */
const validMessage: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('enter'), id: requestId, roomId, as: fc.constantFrom(...ROLES), resume: fc.record({ seq: fc.nat() }) },
    { requiredKeys: ['type', 'roomId'] }),
  fc.record({ type: fc.constant('move'), id: requestId, dir: fc.constantFrom(...DIRECTIONS) }, { requiredKeys: ['type', 'dir'] }),
  fc.record({
    type: fc.constant('build'), id: requestId, baseVersion: fc.nat(),
    ops: fc.array(fc.oneof(placeOp, removeOp), { minLength: 1, maxLength: 5 }),
  }, { requiredKeys: ['type', 'baseVersion', 'ops'] }),
  fc.record({ type: fc.constant('leave'), id: requestId }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('refresh'), id: requestId, token: fc.string({ minLength: 1, maxLength: 200 }) }, { requiredKeys: ['type', 'token'] }),
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

const deepText = fc.tuple(fc.integer({ min: 1, max: 300 }), fc.constantFrom('[', '{"a":'), validMessage).map(([depth, open, msg]) => {
  const close = open === '[' ? ']' : '}';
  const inner = JSON.stringify(msg);
  return open.repeat(depth) + inner + close.repeat(depth);
});
/** A valid message nested deep inside an extra field: the schemas strip it without walking it. */
const deepExtra = fc.tuple(fc.integer({ min: 1, max: 300 }), validMessage).map(([depth, msg]) =>
  `${JSON.stringify(msg).slice(0, -1)},"extra":${'['.repeat(depth)}${']'.repeat(depth)}}`);

const utf8Truncated = fc.tuple(validMessage, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), fc.nat())
  .map(([msg, s, cut]) => {
    const bytes = Buffer.from(JSON.stringify({ ...msg, roomId: `é${s}😀` }));
    return bytes.subarray(0, cut % (bytes.length + 1));
  });

type Frame = { data: Buffer; isBinary: boolean };
const text = (s: string): Frame => ({ data: Buffer.from(s), isBinary: false });

const anyFrame: fc.Arbitrary<Frame> = fc.oneof(
  validMessage.map((m) => text(JSON.stringify(m))),
  corruptedMessage.map((m) => text(JSON.stringify(m))),
  value.map((v) => text(JSON.stringify(v) ?? '')),
  fc.tuple(fc.constantFrom(...KNOWN_TYPES), fc.dictionary(key, value, { maxKeys: 6 })).map(([type, rest]) => text(JSON.stringify({ ...rest, type }))),
  fc.tuple(fc.constantFrom('x', 'y', 'baseVersion', 'gameId'), numberLiteral)
    .map(([field, n]) => text(`{"type":"build","baseVersion":${field === 'baseVersion' ? n : 0},"ops":[{"op":"place","kind":"wall","x":${field === 'x' ? n : 1},"y":${field === 'y' ? n : 1}${field === 'gameId' ? `,"gameId":${n}` : ''}}]}`)),
  protoText.map(text),
  deepText.map(text),
  deepExtra.map(text),
  utf8Truncated.map((data) => ({ data, isBinary: false })),
  fc.string({ maxLength: 40 }).map(text),
  fc.uint8Array({ maxLength: 64 }).map((a) => ({ data: Buffer.from(a), isBinary: false })),
  fc.tuple(validMessage, fc.boolean()).map(([m, raw]) => ({ data: raw ? Buffer.from([0x82, 0xa4]) : Buffer.from(JSON.stringify(m)), isBinary: true })),
);

// ---- the properties -------------------------------------------------------------------------

function prototypesUntouched(): void {
  for (const proto of [Object.prototype, Array.prototype, Function.prototype]) {
    expect(Object.getOwnPropertyNames(proto)).not.toContain('polluted');
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

/**
 * What the edge promises for any decoded frame: the first broken promise, or undefined. Plain
 * checks rather than `expect`, which would cost more than the decoding itself 100k times over.
 */
function brokenPromise(out: DecodedFrame, frame: Frame): string | undefined {
  if (out.requestId !== undefined && (typeof out.requestId !== 'string' || out.requestId.length > 64)) return 'echoes an invalid id';
  if (out.ok) {
    if (frame.isBinary) return 'accepted a binary frame';
    const msg = out.message as unknown as Record<string, unknown>;
    if (!KNOWN_TYPES.includes(msg.type as string)) return 'accepted an unknown type';
    // A plain object carrying only its schema's fields, that validates again as it is.
    if (Object.getPrototypeOf(msg) !== Object.prototype) return 'the message has another prototype';
    const shape = clientMessageSchemas[out.message.type].shape;
    if (!Object.keys(msg).every((k) => Object.hasOwn(shape, k))) return `the message carries a field of no schema: ${Object.keys(msg).join()}`;
    if (!clientMessageSchemas[out.message.type].safeParse(msg).success) return 'the message does not validate again';
    if (out.requestId !== out.message.id) return 'the echoed id is not the message\'s';
    return undefined;
  }
  if (out.error.code !== 'BAD_REQUEST') return `answered ${out.error.code}`;
  // One line that names what is wrong, short enough to show a user.
  if (!/^[^\n]{3,300}$/.test(out.error.message)) return `a malformed error message: ${out.error.message}`;
  if (Object.keys(out.error.extra).length) return 'the error carries extra fields';
  return undefined;
}

describe('decodeFrame under generated frames', () => {
  it('100k frames of every kind: never throws, always one valid typed message or a well-formed BAD_REQUEST, no prototype polluted', () => {
    const counts = { ok: 0, refused: 0 };
    const started = performance.now();
    fc.assert(
      fc.property(anyFrame, (frame) => {
        const out = decodeFrame(frame.data, frame.isBinary);
        const broken = brokenPromise(out, frame);
        if (broken) throw new Error(broken);
        counts[out.ok ? 'ok' : 'refused']++;
        // The id peeked for rate-limit replies is the one the decoder would echo, or none.
        if (out.requestId !== undefined && peekRequestId(frame.data, frame.isBinary) !== out.requestId) throw new Error('peeked another id');
      }),
      { seed: SEED, numRuns: 100_000 },
    );
    prototypesUntouched();
    // Both outcomes are common, so neither path went untested.
    expect(counts.ok).toBeGreaterThan(10_000);
    expect(counts.refused).toBeGreaterThan(50_000);
    // Printed, not asserted: the figure for the README.
    console.log(`decodeFrame: 100k generated frames in ${Math.round(performance.now() - started)} ms (${counts.ok} ok, ${counts.refused} refused)`);
  });

  it('a valid message decodes to itself, defaults applied, and its id echoed', () => {
    fc.assert(
      fc.property(validMessage, (msg) => {
        const out = decodeFrame(Buffer.from(JSON.stringify(msg)), false);
        if (!out.ok) throw new Error(`refused: ${out.error.message}`);
        const expected = JSON.parse(JSON.stringify(msg)) as Record<string, unknown>;
        if (expected.type === 'enter' && expected.as === undefined) expected.as = 'player';
        expect(out.message).toEqual(expected);
        expect(out.requestId).toBe(msg.id);
      }),
      { seed: SEED, numRuns: 5_000 },
    );
  });

  it('a field given a value of the wrong kind is refused, naming that field (or the id, checked first)', () => {
    const wrongKind = (field: string) => (field === 'ops' ? fc.constantFrom(null, 7, 'x', {}, []) : fc.constantFrom(null, true, {}, [], 1e400));
    const arb = validMessage.chain((msg) => {
      const fields = Object.keys(msg).filter((k) => k !== 'type' && msg[k] !== undefined);
      if (fields.length === 0) return fc.constant(undefined);
      return fc.tuple(fc.constant(msg), fc.constantFrom(...fields)).chain(([m, f]) => wrongKind(f).map((bad) => ({ msg: m, field: f, bad })));
    });
    fc.assert(
      fc.property(arb, (c) => {
        if (!c) return;
        const out = decodeFrame(Buffer.from(JSON.stringify({ ...c.msg, [c.field]: c.bad })), false);
        expect(out.ok).toBe(false);
        if (out.ok) return;
        expect(out.error.message.startsWith(`${c.field}:`) || out.error.message.startsWith(`${c.field}.`)).toBe(true);
      }),
      { seed: SEED, numRuns: 5_000 },
    );
  });

  it('nesting far past any stack (200k levels) is refused, not a crash', () => {
    for (const open of ['[', '{"a":']) {
      const close = open === '[' ? ']' : '}';
      for (const frame of [open.repeat(200_000) + close.repeat(200_000), `{"type":"move","dir":"up","x":${open.repeat(200_000)}1${close.repeat(200_000)}}`]) {
        const out = decodeFrame(Buffer.from(frame), false);
        expect(brokenPromise(out, text(frame))).toBeUndefined();
      }
    }
    prototypesUntouched();
  });

  it('more ops than a build may carry, or none, is refused naming `ops`', () => {
    for (const n of [0, MAX_BUILD_OPS + 1]) {
      const ops = Array.from({ length: n }, () => ({ op: 'place', kind: 'wall', x: 1, y: 1 }));
      const out = decodeFrame(Buffer.from(JSON.stringify({ type: 'build', id: 'b', baseVersion: 0, ops })), false);
      expect(out).toMatchObject({ ok: false, requestId: 'b' });
      if (!out.ok) expect(out.error.message).toMatch(/^ops: /);
    }
  });
});
