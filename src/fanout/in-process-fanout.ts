import type { ControlMessage, EventFanout, FanoutEvent } from './fanout.port';

/**
 * Fan-out for a single instance: every client is local and already got each event directly, so
 * there is nobody else to tell. Control messages addressed to this instance loop back.
 */
export class InProcessFanout implements EventFanout {
  private controlHandlers: ((m: ControlMessage) => void)[] = [];

  async publish(): Promise<void> {}
  async sendControl(message: ControlMessage): Promise<void> {
    for (const h of this.controlHandlers) h(message);
  }
  watchRoom(): void {}
  unwatchRoom(): void {}
  onEvent(_handler: (event: FanoutEvent) => void): void {}
  onControl(handler: (message: ControlMessage) => void): void {
    this.controlHandlers.push(handler);
  }
  isHealthy(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}
