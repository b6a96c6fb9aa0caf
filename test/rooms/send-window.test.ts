import type { Frame, TestClient } from '../support/client';
import { describeEachMode } from '../support/modes';
import { connectAs, enter, eventually, step } from '../support/room';
import type { TestServer } from '../support/server';

/** A window far longer than any step of these tests: what goes out early is a reply, not the window ending. */
const WINDOW_MS = 1000;

/** The room events a client got, batches opened. */
function moves(client: TestClient): Frame[] {
  return client.frames
    .flatMap((f) => (f.type === 'batch' ? (f.events as Frame[]) : [f]))
    .filter((f) => f.type === 'moved');
}

describeEachMode(`a send window (WS_SEND_WINDOW_MS=${WINDOW_MS})`, (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start({ WS_SEND_WINDOW_MS: String(WINDOW_MS) });
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers a player's own requests at once, and sends the others the room's events when the window ends, in seq order", async () => {
    const mover = await connectAs(server, 81);
    const other = await connectAs(server, 82);
    const batched = await connectAs(server, 83, { protocols: ['myroom.v1.batch', 'myroom.v1'] });
    for (const c of [mover, other, batched]) await enter(c, '81');

    // Each step is its own request, answered before the next is sent: several turns of the server.
    const first = await step(mover, 'right');
    const second = await step(mover, 'down');
    expect([first.type, second.type]).toEqual(['moved', 'moved']);
    // The replies came, while the others still wait for the window that the first step opened.
    expect(moves(other)).toEqual([]);
    expect(moves(batched)).toEqual([]);

    const seqs = [first.seq, second.seq];
    await eventually(() => expect(moves(other)).toHaveLength(2));
    await eventually(() => expect(moves(batched)).toHaveLength(2));
    expect(moves(other).map((f) => f.seq)).toEqual(seqs);
    // The batch client got both steps in one frame: one window, one frame.
    const batches = batched.frames.filter((f) => f.type === 'batch');
    expect(batches).toHaveLength(1);
    expect((batches[0].events as Frame[]).map((e) => e.seq)).toEqual(seqs);
    // Closed together: a close handshake's reply may wait for the window like any frame.
    await Promise.all([mover, other, batched].map((c) => c.close()));
  });
});
