import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of this process, served at /metrics. The README's Operations section lists
 * them with their meaning. Labels stay bounded (types, codes, sources, services): never a room or
 * user id, whose number grows with the traffic.
 */
export const metricsRegistry = new Registry();
// nodejs_eventloop_lag_* among them: a loop that lags delays every socket of the instance.
collectDefaultMetrics({ register: metricsRegistry });

export const framesReceived = new Counter({
  name: 'myroom_frames_received_total',
  help: 'Client frames received, by message type',
  labelNames: ['type'],
  registers: [metricsRegistry],
});
export const framesSent = new Counter({
  name: 'myroom_frames_sent_total',
  help: 'Frames written to client sockets (events, replies, errors)',
  registers: [metricsRegistry],
});
export const errorsSent = new Counter({
  name: 'myroom_errors_sent_total',
  help: 'Protocol error frames sent, by code: the requests refused (RATE_LIMITED, UNAVAILABLE, ...)',
  labelNames: ['code'],
  registers: [metricsRegistry],
});
export const fencedWrites = new Counter({
  name: 'myroom_fenced_writes_total',
  help: 'Room state writes refused by the fencing check: this instance wrote under a lease epoch it had lost (a pause past its lease)',
  registers: [metricsRegistry],
});
export const handshakesRefused = new Counter({
  name: 'myroom_handshakes_refused_total',
  help: 'WebSocket upgrades refused, by HTTP status (401 no or bad token, 403 origin, 503 draining or database down)',
  labelNames: ['status'],
  registers: [metricsRegistry],
});
export const socketsCut = new Counter({
  name: 'myroom_sockets_cut_total',
  help: 'Sockets the server closed on a misbehaving client, by reason (slow_consumer: more than WS_MAX_BUFFERED_BYTES unsent, or lagging for WS_SLOW_CUT_AFTER_MS; flooding)',
  labelNames: ['reason'],
  registers: [metricsRegistry],
});
export const eventsDropped = new Counter({
  name: 'myroom_events_dropped_total',
  help: 'Room events not sent to a socket lagging past WS_SOFT_BUFFERED_BYTES (it gets the room afresh once it catches up)',
  registers: [metricsRegistry],
});
export const laggingWelcomes = new Counter({
  name: 'myroom_lagging_welcomes_total',
  help: 'Fresh welcomes (reason lagging) sent to sockets that caught up after lagging',
  registers: [metricsRegistry],
});
export const openSessions = new Gauge({
  name: 'myroom_sessions',
  help: 'Open WebSocket sessions on this instance',
  registers: [metricsRegistry],
});

/**
 * From the write that took an event's seq (on whichever instance) to its write to this instance's
 * sockets. `local`: written here; `remote`: written by another instance, so it includes the
 * broker hop (and the clock difference between the two hosts).
 */
export const eventDelivery = new Histogram({
  name: 'myroom_event_delivery_seconds',
  help: "Seconds from the write that took an event's seq to its write to this instance's sockets, by source (local or remote)",
  labelNames: ['source'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});
export const fanoutUnread = new Counter({
  name: 'myroom_fanout_unread_total',
  help: 'Room events kept off the broker: no other instance had clients in their room when they were written',
  registers: [metricsRegistry],
});
export const fanoutLag = new Histogram({
  name: 'myroom_fanout_lag_seconds',
  help: "Seconds from the publishing instance's write to this instance reading the event off the broker",
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});
export const fanoutLastLag = new Gauge({
  name: 'myroom_fanout_last_lag_seconds',
  help: 'The fan-out lag of the last event read off the broker (a consumer falling behind shows here first)',
  registers: [metricsRegistry],
});
export const backendUp = new Gauge({
  name: 'myroom_backend_up',
  help: 'Whether a backing service answers, as /health/ready checks it: 1 up, 0 down (service: state, database, broker)',
  labelNames: ['service'],
  registers: [metricsRegistry],
});

export interface RoomCounts {
  rooms: number;
  players: number;
  spectators: number;
}

/** Whatever knows the local rooms; a set because tests run several servers in one process. */
const roomCounters = new Set<() => RoomCounts>();

/** Reports `count()` in the rooms/players/spectators gauges until the returned function is called. */
export function countRoomsWith(count: () => RoomCounts): () => void {
  roomCounters.add(count);
  return () => roomCounters.delete(count);
}

function sumOf(key: keyof RoomCounts): number {
  let total = 0;
  for (const count of roomCounters) total += count()[key];
  return total;
}

new Gauge({
  name: 'myroom_rooms',
  help: 'Rooms with at least one client on this instance',
  registers: [metricsRegistry],
  collect() {
    this.set(sumOf('rooms'));
  },
});
new Gauge({
  name: 'myroom_players',
  help: 'Players (avatars) in a room on this instance',
  registers: [metricsRegistry],
  collect() {
    this.set(sumOf('players'));
  },
});
new Gauge({
  name: 'myroom_spectators',
  help: 'Spectators in a room on this instance',
  registers: [metricsRegistry],
  collect() {
    this.set(sumOf('spectators'));
  },
});
export const historyWriteFailures = new Counter({
  name: 'myroom_history_write_failures_total',
  help: 'Room events (kind event) or snapshots (kind snapshot) the replay timeline failed to keep: its SQL store was down, or its buffer full; live rooms go on without them',
  labelNames: ['kind'],
  registers: [metricsRegistry],
});
export const historyEventsWritten = new Counter({
  name: 'myroom_history_events_written_total',
  help: 'Room events written to the replay timeline (SQL) by this instance',
  registers: [metricsRegistry],
});
