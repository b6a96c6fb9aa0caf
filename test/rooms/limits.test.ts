import type { Frame } from '../support/client';
import { describeEachMode } from '../support/modes';
import { connectAs, enter, joinAs, memberOf, peek, sleep, step } from '../support/room';
import type { TestServer } from '../support/server';

/** Sends `n` moves to the right back to back (no waiting), each with an id; resolves with the reply to each. */
function burst(client: Awaited<ReturnType<typeof connectAs>>, n: number, tag: string): Promise<Frame[]> {
  const replies: Promise<Frame>[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${tag}-${i}`;
    replies.push(client.next((f) => f.id === id, 5000));
    client.send({ type: 'move', dir: 'right', id });
  }
  return Promise.all(replies);
}

describeEachMode('rate limit and frame size', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start({ RATE_LIMIT_PER_SEC: '5', RATE_LIMIT_STRIKES: '15', WS_MAX_PAYLOAD: '1024' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('a burst over the limit: the excess gets RATE_LIMITED (with retryAfterMs and the request id) and moves nothing', async () => {
    const [client] = await joinAs(server, 1, 1);
    // 5 messages a second: the enter and four moves fit, the other six are refused (even if a new
    // second began mid-burst, at most 9 of the 10 could fit).
    const replies = await burst(client, 10, 'b');
    const moved = replies.filter((r) => r.type === 'moved');
    const limited = replies.filter((r) => r.type === 'error');
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) {
      expect(r).toMatchObject({ code: 'RATE_LIMITED' });
      expect(r.retryAfterMs).toBeGreaterThan(0);
      expect(r.retryAfterMs).toBeLessThanOrEqual(1000);
    }
    expect(moved.length + limited.length).toBe(10);
    // Only the accepted steps moved the avatar.
    expect(memberOf((await peek(server, 1)).members, 1)).toMatchObject({ x: moved.length, y: 0 });

    // A client that waits as told may go on.
    await sleep(Math.max(...limited.map((r) => r.retryAfterMs as number)));
    expect(await step(client, 'down')).toMatchObject({ type: 'moved', x: moved.length, y: 1 });
    expect(client.isOpen).toBe(true);
    await client.close();
  });

  it('a client that keeps flooding is closed with 1008, and its avatar leaves', async () => {
    const [observer] = await joinAs(server, 2, 2);
    const flooder = await connectAs(server, 3);
    await enter(flooder, 2);
    for (let i = 0; i < 40; i++) flooder.send({ type: 'move', dir: i % 2 ? 'left' : 'right' });
    expect((await flooder.closed).code).toBe(1008);
    expect(flooder.ofType('error').every((e) => e.code === 'RATE_LIMITED')).toBe(true);
    const left = await observer.next((f) => f.type === 'left' && f.userId === '3');
    expect(left.reason).toBe('disconnect');
    await observer.close();
  });

  it('a frame larger than WS_MAX_PAYLOAD closes the socket with 1009; one just under it is served', async () => {
    const [observer] = await joinAs(server, 4, 4);
    const [client] = await joinAs(server, 5, 4);
    const fits = JSON.stringify({ type: 'move', dir: 'down', id: 'fits', pad: '' });
    const padded = JSON.stringify({ type: 'move', dir: 'down', id: 'fits', pad: 'x'.repeat(1000 - fits.length) });
    expect(Buffer.byteLength(padded)).toBe(1000);
    client.send(padded);
    expect(await client.next((f) => f.id === 'fits')).toMatchObject({ type: 'moved', x: 0, y: 1 });

    client.send({ type: 'move', dir: 'down', pad: 'x'.repeat(1100) });
    expect((await client.closed).code).toBe(1009);
    expect(await observer.next((f) => f.type === 'left' && f.userId === '5')).toMatchObject({ reason: 'disconnect' });
    expect(memberOf((await peek(server, 4)).members, 5)).toBeUndefined();
    await observer.close();
  });
});
