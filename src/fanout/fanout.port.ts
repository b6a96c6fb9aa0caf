/**
 * How room events and control messages reach the other instances.
 * Two adapters: RabbitMQ streams (services mode) and none-needed in-process (embedded mode, where
 * the only instance already delivered everything locally).
 *
 * Delivery is at-least-once and may reorder across publishers; receivers put each room's events
 * back in `seq` order and drop duplicates (see rooms/room-channels.ts).
 */
export interface FanoutEvent {
  roomId: string;
  seq: number;
  json: string;
  /** The instance that published it (receivers skip their own). */
  origin: string;
  /** When the write that took its seq returned on the publishing instance (epoch ms), for the latency metrics. */
  at?: number;
  /** The epoch of the live state `seq` counts in (state/room-state.port.ts). */
  epoch?: string;
  /** W3C traceparent of the publish, when the write was traced (sampled): deliveries join its trace. */
  trace?: string;
}

export type ControlMessage =
  | { kind: 'replace'; targetInstance: string; roomId: string; sessionId: string }
  /** The session's avatar was already removed (reason `kicked`); its instance tells the socket and closes it. */
  | { kind: 'kick'; targetInstance: string; roomId: string; sessionId: string; message: string }
  /** Drain as on SIGTERM (POST /api/instances/:id/drain arrived at another instance). */
  | { kind: 'drain'; targetInstance: string };

export interface EventFanout {
  /** Publishes a room event for the other instances. Resolves once the broker has it. */
  publish(event: Omit<FanoutEvent, 'origin'>): Promise<void>;
  /** Sends a control message to one instance. */
  sendControl(message: ControlMessage): Promise<void>;
  /** This instance now has (or no longer has) local clients in `roomId`. */
  watchRoom(roomId: string): void;
  unwatchRoom(roomId: string): void;
  onEvent(handler: (event: FanoutEvent) => void): void;
  onControl(handler: (message: ControlMessage) => void): void;
  /**
   * Called when events of `roomId` may have been missed without a later event to reveal the gap
   * (a subscription just (re)started): the receiver catches up from the room log.
   * Optional: an adapter that never misses events needs no resync.
   */
  onResync?(handler: (roomId: string) => void): void;
  /**
   * Milliseconds between the publish of the last event this instance received from another one
   * and its delivery here; null when none was received yet (or nothing crosses instances).
   */
  consumerLagMs?(): number | null;
  /** False while the broker is unreachable. */
  isHealthy(): boolean;
  close(): Promise<void>;
}

export const EVENT_FANOUT = Symbol('EVENT_FANOUT');
