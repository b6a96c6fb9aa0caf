import fc from 'fast-check';
import { jsonCodec } from '../../src/codec/json-codec';
import type { Frame as WireFrame } from '../support/client';
import { anyFrame, type Frame, validMessage } from '../support/frame-arbitraries';
import { expectRoomInvariants } from '../support/invariants';
import { connectAs, joinAs, peek, roomState } from '../support/room';
import { startTestServer, type TestServer } from '../support/server';
import { ServicesProbe } from '../support/services';

/**
 * The decoder's fuzz (src/codec/decode.fuzz.spec.ts), now over a real socket to a real server: a few
 * thousand generated frames that must be refused. The server does not crash or close the socket,
 * answers each with exactly one well-formed `error` (echoing the id when it is valid), and the
 * room is exactly as it was: same seq, map and members for everyone in it.
 */
const FRAMES = 3000;
/** Frames in flight at once: under the per-socket queue (64), so the flood guard stays out of it. */
const BATCH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const isText = (f: Frame) => {
  try {
    utf8.decode(f.data);
    return true;
  } catch {
    return false;
  }
};

/** A frame to send, and the reply it must get: its code, and the id echoed (or none). */
interface Case {
  frame: Frame;
  code: string;
  id: string | undefined;
}

function cases(): Case[] {
  const out: Case[] = [];
  // Refused by the decoder: BAD_REQUEST. Invalid UTF-8 in a text frame is the WebSocket layer's
  // to refuse (close 1007, tested below), so those are left out here.
  for (const frame of fc.sample(anyFrame, { numRuns: FRAMES * 3, seed: 7 })) {
    if (out.length >= FRAMES * 0.9) break;
    if (!frame.isBinary && !isText(frame)) continue;
    const decoded = jsonCodec.decode(frame.data, frame.isBinary);
    if (!decoded.ok) out.push({ frame, code: 'BAD_REQUEST', id: decoded.requestId });
  }
  // Valid builds by someone who does not own the room: FORBIDDEN, and nothing built.
  for (const msg of fc.sample(
    validMessage.filter((m) => m.type === 'build'),
    { numRuns: FRAMES - out.length, seed: 8 },
  )) {
    out.push({
      frame: { data: Buffer.from(JSON.stringify(msg)), isBinary: false },
      code: 'FORBIDDEN',
      id: msg.id as string | undefined,
    });
  }
  return out;
}

describe('socket-level fuzz on a real server', () => {
  let server: TestServer;
  let probe: ServicesProbe;

  beforeAll(async () => {
    // The fuzz is not a flood: the rate limit is the flood guard's test, not this one's.
    server = await startTestServer({ RATE_LIMIT_PER_SEC: '10000', RATE_LIMIT_STRIKES: '10000' });
    probe = await ServicesProbe.open(server);
  });
  afterAll(async () => {
    await probe?.close();
    await server?.close();
  });

  it(`${FRAMES} refused frames: one well-formed error each, the socket stays, the room is unchanged`, async () => {
    const [owner] = await joinAs(server, 1, 1);
    const [fuzzer] = await joinAs(server, 3, 1);
    const before = await peek(server, '1');
    const all = cases();
    expect(all.length).toBe(FRAMES);

    const errors: WireFrame[] = [];
    for (let i = 0; i < all.length; i += BATCH) {
      const start = fuzzer.frames.length;
      const batch = all.slice(i, i + BATCH);
      for (const c of batch) fuzzer.ws.send(c.frame.data, { binary: c.frame.isBinary });
      // Replies come in order, one per frame: the batch is answered once that many are in.
      await fuzzer.next(() => fuzzer.frames.length - start >= batch.length, 10_000);
      const got = fuzzer.frames.slice(start);
      expect(got.length).toBe(batch.length);
      expect(got.every((f) => f.type === 'error')).toBe(true);
      batch.forEach((c, k) => {
        const e = got[k];
        expect({ frame: c.frame.data.toString('base64'), code: e.code, id: e.id }).toEqual({
          frame: c.frame.data.toString('base64'),
          code: c.code,
          id: c.id,
        });
        expect(typeof e.message === 'string' && e.message.length > 0).toBe(true);
        expect(Object.keys(e).filter((key) => !['type', 'code', 'message', 'id'].includes(key))).toEqual([]);
      });
      errors.push(...got);
    }
    expect(fuzzer.isOpen).toBe(true);
    const codes = errors.reduce<Record<string, number>>(
      (acc, e) => ({ ...acc, [e.code as string]: (acc[e.code as string] ?? 0) + 1 }),
      {},
    );
    console.log(`socket fuzz: ${errors.length} frames refused, ${JSON.stringify(codes)}`);

    // Nothing happened in the room: same state, and no event reached anyone.
    expect(roomState(await peek(server, '1'))).toEqual(roomState(before));
    expect(owner.events().filter((e) => (e.seq as number) > before.seq)).toEqual([]);
    await expectRoomInvariants(server, '1', { clients: [owner, fuzzer], players: ['1', '3'], probe });
    await Promise.all([owner.close(), fuzzer.close()]);
  });

  it('invalid UTF-8 in a text frame closes that socket with 1007, and changes nothing', async () => {
    const [owner] = await joinAs(server, 1, 2);
    const before = await peek(server, '2');
    const bad = await connectAs(server, 4);
    bad.ws.send(Buffer.from([0x7b, 0x22, 0xc3]), { binary: false });
    expect((await bad.closed).code).toBe(1007);
    expect(roomState(await peek(server, '2'))).toEqual(roomState(before));
    await expectRoomInvariants(server, '2', { clients: [owner], players: ['1'], probe });
    await owner.close();
  });
});
