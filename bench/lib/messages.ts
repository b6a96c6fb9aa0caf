/** What the parent and the bot workers say to each other over IPC. */

export type TargetKind = 'myroom' | 'colyseus' | 'socketio' | 'barews' | 'barews-corked';

export interface TargetInfo {
  kind: TargetKind;
  /** ws://host:port/ws for the JSON servers, http://host:port for Colyseus and Socket.IO. */
  url: string;
  jwtSecret: string;
  /** My Room's wire codec for the bots (PROTOCOL.md §1a); JSON when absent. */
  codec?: 'json' | 'msgpack';
  /** My Room: the bots offer the batched subprotocol (one frame per socket per event-loop turn). */
  batch?: boolean;
  /** My Room behind a gateway with room affinity: the bots name their room in the URL (`?room=`). */
  roomHint?: boolean;
}

export interface BotSpec {
  userId: string;
  roomId: string;
  owner: boolean;
}

export interface PhaseSpec {
  rateHz: number;
  /** Epoch ms at which every worker starts its timetable. */
  startAt: number;
  warmupMs: number;
  measureMs: number;
  /** Each owner builds about this often (0: never). */
  buildEveryMs: number;
  /** Leave-and-enter cycles per second in this worker (0: none). */
  churnPerSec: number;
}

export type ToWorker =
  | { cmd: 'init'; index: number; workers: number; target: TargetInfo }
  /** `split`: rooms whose bots live in several workers (latency to others is then sampled). */
  | { cmd: 'connect'; bots: BotSpec[]; enter: boolean; concurrency: number; split: string[] }
  /** Each bot connects and enters at startAt + its offset; the arrival (connect + enter) is timed. */
  | { cmd: 'storm'; bots: BotSpec[]; startAt: number; offsetsMs: number[] }
  | { cmd: 'run'; phase: PhaseSpec }
  | { cmd: 'close' };

export interface Counters {
  sent: number;
  accepted: number;
  deliveries: number;
  /** WebSocket payload bytes the bots received in the window (My Room only): over `deliveries`, bytes per delivery. */
  bytesReceived: number;
  /** Moves sent in the window that got neither their `moved` nor an error before the drain ended. */
  unanswered: number;
  /** Deliveries to others whose send time could not be matched (should stay 0). */
  unmatched: number;
  gaps: number;
  outOfOrder: number;
  closed: number;
  skippedSends: number;
  builds: number;
  enters: number;
  errors: Record<string, number>;
}

export interface WorkerReport {
  hists: { mover: string; others: string; sendLag: string; enter: string; build: string; connect: string };
  counters: Counters;
  /** CPU seconds this worker used in the window, and the window's length. */
  cpuSec: number;
  wallSec: number;
  rssMb: number;
  lastSeqByRoom: Record<string, number>;
}

export type FromWorker =
  { type: 'ready' } | { type: 'done'; report: WorkerReport } | { type: 'fatal'; message: string };

export function newCounters(): Counters {
  return {
    sent: 0,
    accepted: 0,
    deliveries: 0,
    bytesReceived: 0,
    unanswered: 0,
    unmatched: 0,
    gaps: 0,
    outOfOrder: 0,
    closed: 0,
    skippedSends: 0,
    builds: 0,
    enters: 0,
    errors: {},
  };
}
