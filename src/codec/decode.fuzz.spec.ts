import fc from 'fast-check';
import { Packr } from 'msgpackr';
import {
  anyFrame,
  anyMsgpackFrame,
  type Frame,
  KNOWN_TYPES,
  nestedMsgpack,
  text,
  validMessage,
} from '../../test/support/frame-arbitraries';
import { clientMessageSchemas, type ClientMessageType, MAX_BUILD_OPS } from '../protocol/messages';
import { jsonCodec } from './json-codec';
import { msgpackCodec } from './msgpack-codec';
import type { DecodedFrame, DecodedMessage, WireCodec } from './wire-codec';

const decodeFrame = jsonCodec.decode;
const peekRequestId = jsonCodec.peekRequestId;

/**
 * Property-based fuzz of the edge's decoding (PROTOCOL.md §2): whatever a client sends, decoding
 * never throws, and answers either one valid typed message or a BAD_REQUEST whose text names the
 * first wrong field, echoing the `id` only when the id itself is valid. Seeds are fixed so a
 * failure replays; fast-check prints the shrunk counterexample.
 */

const SEED = 20261130;

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
function brokenPromise(
  out: DecodedFrame<DecodedMessage>,
  frame: Frame,
  codec: WireCodec = jsonCodec,
): string | undefined {
  if (out.requestId !== undefined && (typeof out.requestId !== 'string' || out.requestId.length > 64))
    return 'echoes an invalid id';
  if (out.ok) {
    if (frame.isBinary !== codec.binary) return 'accepted a frame of the other kind (text/binary)';
    const msg = out.message as unknown as Record<string, unknown>;
    if (!KNOWN_TYPES.includes(msg.type as string)) return 'accepted an unknown type';
    // A plain object carrying only its schema's fields, that validates again as it is.
    if (Object.getPrototypeOf(msg) !== Object.prototype) return 'the message has another prototype';
    // A known v1 type (checked above): these codecs decode no dialect's requests.
    const schema = clientMessageSchemas[msg.type as ClientMessageType];
    if (!Object.keys(msg).every((k) => Object.hasOwn(schema.shape, k)))
      return `the message carries a field of no schema: ${Object.keys(msg).join()}`;
    if (!schema.safeParse(msg).success) return 'the message does not validate again';
    if (out.requestId !== msg.id) return "the echoed id is not the message's";
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
        if (out.requestId !== undefined && peekRequestId(frame.data, frame.isBinary) !== out.requestId)
          throw new Error('peeked another id');
      }),
      { seed: SEED, numRuns: 100_000 },
    );
    prototypesUntouched();
    // Both outcomes are common, so neither path went untested.
    expect(counts.ok).toBeGreaterThan(10_000);
    expect(counts.refused).toBeGreaterThan(50_000);
    // Printed, not asserted: the figure for the README.
    console.log(
      `decodeFrame: 100k generated frames in ${Math.round(performance.now() - started)} ms (${counts.ok} ok, ${counts.refused} refused)`,
    );
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
    const wrongKind = (field: string) =>
      field === 'ops' ? fc.constantFrom(null, 7, 'x', {}, []) : fc.constantFrom(null, true, {}, [], 1e400);
    const arb = validMessage.chain((msg) => {
      const fields = Object.keys(msg).filter((k) => k !== 'type' && msg[k] !== undefined);
      if (fields.length === 0) return fc.constant(undefined);
      return fc
        .tuple(fc.constant(msg), fc.constantFrom(...fields))
        .chain(([m, f]) => wrongKind(f).map((bad) => ({ msg: m, field: f, bad })));
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
      for (const frame of [
        open.repeat(200_000) + close.repeat(200_000),
        `{"type":"move","dir":"up","x":${open.repeat(200_000)}1${close.repeat(200_000)}}`,
      ]) {
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

describe('the MessagePack decoder under generated frames', () => {
  const packr = new Packr({ useRecords: false });
  const decode = msgpackCodec.decode;

  it('50k frames (valid, corrupted, truncated, trailing bytes, random bytes, __proto__ keys, text frames): never throws, one valid message or a BAD_REQUEST, no prototype polluted', () => {
    const counts = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(anyMsgpackFrame, (frame) => {
        const out = decode(frame.data, frame.isBinary);
        const broken = brokenPromise(out, frame, msgpackCodec);
        if (broken) throw new Error(broken);
        counts[out.ok ? 'ok' : 'refused']++;
        if (out.requestId !== undefined && msgpackCodec.peekRequestId(frame.data, frame.isBinary) !== out.requestId)
          throw new Error('peeked another id');
      }),
      { seed: SEED, numRuns: 50_000 },
    );
    prototypesUntouched();
    expect(counts.ok).toBeGreaterThan(5_000);
    expect(counts.refused).toBeGreaterThan(20_000);
  });

  it('a valid message decodes to itself, as its JSON would', () => {
    fc.assert(
      fc.property(validMessage, (msg) => {
        const out = decode(packr.pack(msg), true);
        expect(out).toEqual(jsonCodec.decode(Buffer.from(JSON.stringify(msg)), false));
      }),
      { seed: SEED, numRuns: 5_000 },
    );
  });

  it('the wrong codec, truncated bytes and undecodable bytes are each one BAD_REQUEST that says so', () => {
    const move = packr.pack({ type: 'move', id: 'm1', dir: 'up' });
    expect(decode(Buffer.from('{"type":"move","dir":"up"}'), false)).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/^text frames are not supported/) },
    });
    expect(jsonCodec.decode(move, true)).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/^binary frames are not supported/) },
    });
    for (const bad of [
      move.subarray(0, move.length - 1),
      Buffer.from([0xd4, 0x99, 0x00]),
      Buffer.alloc(0),
      Buffer.concat([move, move]),
    ])
      expect(decode(bad, true)).toMatchObject({ ok: false, error: { message: 'frame is not valid MessagePack' } });
  });

  it('an extension type or the reserved byte 0xC1 where the message belongs is refused', () => {
    for (const bytes of [Buffer.from([0xc1]), packr.pack(new Date(0)), packr.pack(new Set([1]))])
      expect(decode(bytes, true)).toMatchObject({
        ok: false,
        error: { message: 'a message must be a MessagePack map' },
      });
  });

  it('a __proto__ key never reaches a prototype, and the message keeps only its fields', () => {
    const hostile = JSON.parse(
      '{"__proto__":{"polluted":1},"type":"move","dir":"left","constructor":{"prototype":{"polluted":1}}}',
    );
    const out = decode(packr.pack(hostile), true);
    expect(out).toEqual({ ok: true, message: { type: 'move', dir: 'left' }, requestId: undefined });
    prototypesUntouched();
  });

  it('nesting far past any stack (200k levels) is refused, not a crash', () => {
    const move = packr.pack({ type: 'move', dir: 'up' });
    for (const kind of ['array', 'map'] as const) {
      const out = decode(nestedMsgpack(200_000, move, kind), true);
      expect(out.ok).toBe(false);
      expect(brokenPromise(out, { data: Buffer.alloc(0), isBinary: true }, msgpackCodec)).toBeUndefined();
    }
    prototypesUntouched();
  });
});
