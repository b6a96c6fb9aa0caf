import { TestClient } from '../support/client';
import { describeEachMode } from '../support/modes';
import type { TestServer } from '../support/server';

describeEachMode('a room, end to end', ({ start }) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server.close();
  });

  it('owner and visitor enter, the visitor walks, the owner builds a wall over them', async () => {
    const owner = await TestClient.connect(server.wsUrl, server.token(1));
    const visitor = await TestClient.connect(server.wsUrl, server.token(2));
    const w1 = await owner.request({ type: 'enter', roomId: '1' });
    expect(w1).toMatchObject({ type: 'welcome', roomId: '1', you: { userId: '1', role: 'player' } });
    const w2 = await visitor.request({ type: 'enter', roomId: '1' });
    expect(w2.seq).toBe((w1.seq as number) + 1);
    await owner.next((f) => f.type === 'entered' && (f.member as { userId: string }).userId === '2');

    const moved = await visitor.request({ type: 'move', dir: 'right' });
    expect(moved).toMatchObject({ type: 'moved', userId: '2', x: 1, y: 0, dir: 'right' });
    await owner.next((f) => f.type === 'moved' && f.seq === moved.seq);

    const ack = await owner.request({
      type: 'build',
      baseVersion: 0,
      ops: [{ op: 'place', kind: 'wall', x: 1, y: 0 }],
    });
    expect(ack.type).toBe('ack');
    const built = await visitor.next((f) => f.type === 'built');
    const members = built.members as { userId: string; x: number; y: number }[];
    expect(members.find((m) => m.userId === '2')).toMatchObject({ x: 0, y: 0 });
    await owner.close();
    await visitor.close();
  });
});
