import { PublishBatches } from './publish-batches';
import { decodeStreamMessage } from './stream-messages';

describe('PublishBatches', () => {
  function recorder(fail = false) {
    const sent: { stream: string; body: Buffer; timestamp?: number }[] = [];
    const send = (stream: string, body: Buffer, timestamp?: number) => {
      sent.push({ stream, body, timestamp });
      return fail ? Promise.reject(new Error('nack')) : Promise.resolve();
    };
    return { sent, send };
  }
  const ev = (roomId: string, seq: number, at = 100 + seq) => ({ roomId, seq, json: `{"seq":${seq}}`, at });

  it('sends the events of one turn as one message per stream, in publish order, each promise settled by its confirm', async () => {
    const { sent, send } = recorder();
    const b = new PublishBatches('me', send, 256, 0);
    const done = [
      b.add('s0', ev('a', 1)),
      b.add('s1', ev('b', 1)),
      b.add('s0', ev('a', 2)),
      b.add('s0', ev('c', 7, 50)),
    ];
    expect(sent).toHaveLength(0);
    await Promise.all(done);
    expect(sent.map((m) => m.stream)).toEqual(['s0', 's1']);
    expect(sent[0].timestamp).toBe(50);
    expect(decodeStreamMessage(sent[0].body, sent[0].timestamp)!.map((e) => [e.roomId, e.seq, e.at, e.origin])).toEqual(
      [
        ['a', 1, 101, 'me'],
        ['a', 2, 102, 'me'],
        ['c', 7, 50, 'me'],
      ],
    );
    // A lone event goes out in the single-event format.
    expect(sent[1].body.toString()).toBe('["me","b",1]\n{"seq":1}');
  });

  it('sends early once maxEvents are waiting, and one event per message with maxEvents 1', async () => {
    const { sent, send } = recorder();
    const b = new PublishBatches('me', send, 2, 0);
    const p = [b.add('s', ev('a', 1)), b.add('s', ev('a', 2)), b.add('s', ev('a', 3))];
    expect(sent).toHaveLength(1);
    await Promise.all(p);
    expect(sent.map((m) => decodeStreamMessage(m.body)!.map((e) => e.seq))).toEqual([[1, 2], [3]]);

    const one = recorder();
    const single = new PublishBatches('me', one.send, 1, 0);
    await Promise.all([single.add('s', ev('a', 1)), single.add('s', ev('a', 2))]);
    expect(one.sent.map((m) => m.body.toString())).toEqual(['["me","a",1]\n{"seq":1}', '["me","a",2]\n{"seq":2}']);
  });

  it('rejects every event of a message the broker did not take', async () => {
    const { send } = recorder(true);
    const b = new PublishBatches('me', send, 256, 0);
    const results = await Promise.allSettled([b.add('s', ev('a', 1)), b.add('s', ev('a', 2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
