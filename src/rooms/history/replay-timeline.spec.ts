import type { HistoryStore, LoggedEvent, RoomSnapshotRow } from '../../maps/history-store';
import { ReplayTimeline } from './replay-timeline';

/** A store holding `events` of room r (in seq order), read as HistoryStore.eventsAfter reads. */
function storeOf(events: LoggedEvent[]): HistoryStore {
  return {
    eventsAfter: async (_roomId: string, _epoch: string | null, afterSeq: number, limit: number) =>
      events.filter((e) => e.seq > afterSeq).slice(0, limit),
  } as unknown as HistoryStore;
}

const snapshot: RoomSnapshotRow = {
  roomId: 'r',
  epoch: null,
  seq: 10,
  at: 1000,
  map: { version: 0, width: 5, height: 5, objects: [] },
  members: [{ userId: 'u', name: 'u', x: 0, y: 0, role: 'player' }],
};
const step = (seq: number, at: number, x: number): LoggedEvent => ({
  roomId: 'r',
  epoch: null,
  seq,
  at,
  json: JSON.stringify({ type: 'moved', roomId: 'r', seq, userId: 'u', x, y: 0, dir: 'right' }),
});

async function rest(t: ReplayTimeline): Promise<number[]> {
  const seqs: number[] = [];
  for (let e = await t.next(); e; e = await t.next()) seqs.push(e.seq);
  return seqs;
}

describe('ReplayTimeline', () => {
  const events = [step(11, 1100, 1), step(12, 1200, 2), step(13, 1300, 3)];

  it('rebuilds the room right after a seq, then hands out the events after it', async () => {
    const t = new ReplayTimeline(storeOf(events), snapshot);
    const point = await t.rebuild({ seq: 12 });
    expect(point).toMatchObject({ seq: 12, at: 1200, members: [{ userId: 'u', x: 2 }] });
    expect(await rest(t)).toEqual([13]);
  });

  it('rebuilds the room as it was at a time: every event up to it applied, the point at that time', async () => {
    const t = new ReplayTimeline(storeOf(events), snapshot);
    expect(await t.rebuild({ at: 1250 })).toMatchObject({ seq: 12, at: 1250, members: [{ x: 2 }] });
    const early = new ReplayTimeline(storeOf(events), snapshot);
    expect(await early.rebuild({ at: 1050 })).toMatchObject({ seq: 10, at: 1050, members: [{ x: 0 }] });
    expect(await rest(early)).toEqual([11, 12, 13]);
  });

  it('ends before a missing seq followed by a young event (not written yet), passes an old hole', async () => {
    const now = Date.now();
    const young = new ReplayTimeline(storeOf([step(11, now - 50, 1), step(13, now - 10, 3)]), snapshot);
    expect(await rest(young)).toEqual([11]);
    const old = new ReplayTimeline(storeOf([step(11, 1100, 1), step(13, 1300, 3)]), snapshot);
    expect(await rest(old)).toEqual([11, 13]);
  });
});
