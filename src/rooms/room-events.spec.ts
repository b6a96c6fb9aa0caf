import { metricsRegistry } from '../common/metrics';
import { loadConfig } from '../config/config';
import type { FanoutEvent } from '../fanout/fanout.port';
import { InProcessFanout } from '../fanout/in-process-fanout';
import { createLogger } from '../logging/logger';
import type { HistoryStore, LoggedEvent } from '../maps/history-store';
import { MemoryRoomState } from '../state/memory-room-state';
import type { SeqEvent } from '../state/room-state.port';
import { TimelineRecorder } from './history/timeline-recorder';
import { RoomChannels } from './room-channels';
import { RoomEvents } from './room-events';

/** The one-process fan-out, remembering what would have gone to the other instances. */
class RecordingFanout extends InProcessFanout {
  readonly published: Omit<FanoutEvent, 'origin'>[] = [];
  override async publish(event?: Omit<FanoutEvent, 'origin'>): Promise<void> {
    if (event) this.published.push(event);
  }
}

const log = createLogger('silent', 'unit-events');
const services = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  MYSQL_URL: 'mysql://root@127.0.0.1:3306/x',
  JWT_SECRET: 's'.repeat(40),
};

function eventsWith(env: Record<string, string>) {
  const config = loadConfig({ ...services, LOG_LEVEL: 'silent', ...env });
  const state = new MemoryRoomState(10);
  const fanout = new RecordingFanout();
  const written: LoggedEvent[] = [];
  const history = { append: async (batch: LoggedEvent[]) => void written.push(...batch) } as unknown as HistoryStore;
  const timeline = new TimelineRecorder(config, state, log, history);
  const events = new RoomEvents(config, fanout, state, log, new RoomChannels(state, log), timeline);
  return { events, fanout, timeline, written };
}

const unread = async () =>
  (await metricsRegistry.getSingleMetric('myroom_fanout_unread_total')!.get()).values[0]?.value ?? 0;
const moved = (seq: number, localOnly?: true): SeqEvent => ({
  seq,
  json: `{"type":"moved","roomId":"r1","seq":${seq}}`,
  epoch: 'e1',
  ...(localOnly ? { localOnly } : {}),
});

describe(RoomEvents.name, () => {
  it('keeps an event no other instance reads off the fan-out, counts it, and still writes it to the timeline', async () => {
    const { events, fanout, timeline, written } = eventsWith({});
    const before = await unread();
    events.publish('r1', moved(1, true));
    events.publish('r1', moved(2));
    expect(fanout.published.map((e) => e.seq)).toEqual([2]);
    expect(await unread()).toBe(before + 1);
    await timeline.flush();
    expect(written.map((e) => e.seq)).toEqual([1, 2]);
    expect(written.every((e) => !('localOnly' in e))).toBe(true);
  });

  it('with RABBITMQ_PUBLISH_UNREAD=true publishes everything (a rolling upgrade from releases without marks)', async () => {
    const { events, fanout } = eventsWith({ RABBITMQ_PUBLISH_UNREAD: 'true' });
    const before = await unread();
    events.publish('r1', moved(1, true));
    events.publish('r1', moved(2));
    expect(fanout.published.map((e) => e.seq)).toEqual([1, 2]);
    expect(fanout.published.every((e) => !('localOnly' in e))).toBe(true);
    expect(await unread()).toBe(before);
  });
});
