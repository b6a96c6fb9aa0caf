import WebSocket from 'ws';
import type { LegacySyncPayload } from '../../src/codec/legacy/legacy-view';

/** A frame of the original clients' dialect: `<2-digit code><JSON>`. */
export interface LegacyFrame {
  code: string;
  payload: Record<string, unknown>;
}
export type LegacyRoom = LegacySyncPayload['room'];

/**
 * A scripted client of the original lobby server's protocol at `/library` (docs/LEGACY-PROTOCOL.md):
 * it speaks only its frames, records every frame it gets, and lets a test wait for one.
 */
export class LegacyClient {
  readonly frames: LegacyFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { pred: (f: LegacyFrame) => boolean; resolve: (f: LegacyFrame) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      const frame = { code: text.slice(0, 2), payload: JSON.parse(text.slice(2)) as Record<string, unknown> };
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => (w.pred(frame) ? (w.resolve(frame), false) : true));
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Opens `/library` on the server of `wsUrl` (any path of it: the v1 `/ws` URL will do). No token. */
  static connect(wsUrl: string): Promise<LegacyClient> {
    const ws = new WebSocket(new URL('/library', wsUrl).toString());
    const client = new LegacyClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Connects and enters: `10` with the token, then waits for the room's `11` SYNC. */
  static async enter(wsUrl: string, roomId: string | number, token: string): Promise<[LegacyClient, LegacyRoom]> {
    const client = await LegacyClient.connect(wsUrl);
    client.send('10', { room_id: String(roomId), authorization: token });
    const sync = await client.next((f) => f.code === '11' || f.code === '99');
    if (sync.code !== '11') throw new Error(`enter ${roomId} refused: ${JSON.stringify(sync.payload)}`);
    return [client, sync.payload.room as LegacyRoom];
  }

  send(code: string, payload: unknown = {}): void {
    this.ws.send(code + JSON.stringify(payload));
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** One step (`d`: 0 up, 1 right, 2 down, 3 left); resolves with this user's own `20`, or the `99`. */
  move(direction: number, userId: string): Promise<LegacyFrame> {
    const seen = this.frames.length;
    this.send('20', { direction });
    return this.next((f, i) => i >= seen && (f.code === '99' || (f.code === '20' && f.payload.user_id === userId)));
  }

  /** The first frame matching `pred` among those received so far or arriving later (`i`: its index). */
  next(pred: (f: LegacyFrame, i: number) => boolean, timeoutMs = 5000): Promise<LegacyFrame> {
    const i = this.frames.findIndex((f, k) => pred(f, k));
    if (i >= 0) return Promise.resolve(this.frames[i]);
    return new Promise((resolve, reject) => {
      const index = () => this.frames.length - 1;
      const waiter = {
        pred: (f: LegacyFrame) => pred(f, index()),
        resolve: (f: LegacyFrame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for a legacy frame; last: ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The next `11` SYNC after the frames seen so far. */
  nextSync(after = this.frames.length): Promise<LegacyRoom> {
    return this.next((f, i) => i >= after && f.code === '11').then((f) => f.payload.room as LegacyRoom);
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }
}
