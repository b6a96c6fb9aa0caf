import WebSocket from 'ws';

export type Frame = Record<string, unknown> & { type: string };

/**
 * A protocol-speaking test client over a real WebSocket: it records every frame and lets a test
 * wait for the next frame matching a predicate.
 */
export class TestClient {
  readonly frames: Frame[] = [];
  private cursor = 0;
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void; from: number }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (w.pred(frame)) {
          w.resolve(frame);
          return false;
        }
        return true;
      });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static connect(url: string, token: string | undefined, opts: { protocols?: string[]; headers?: Record<string, string>; autoPong?: boolean } = {}): Promise<TestClient> {
    const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...opts.headers };
    const ws = new WebSocket(url, opts.protocols ?? [], { headers, autoPong: opts.autoPong ?? true });
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new HandshakeRefused(res.statusCode ?? 0)));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Sends a request with an `id` and resolves with the frame that echoes it. */
  async request(msg: Record<string, unknown>, timeoutMs = 5000): Promise<Frame> {
    const id = (msg.id as string | undefined) ?? `r${Math.random().toString(36).slice(2)}`;
    const reply = this.next((f) => f.id === id, timeoutMs);
    this.send({ ...msg, id });
    return reply;
  }

  /** The first frame matching `pred` that arrived after the previous `next`/`request` (or arrives later). */
  next(pred: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const existing = this.frames.find((f) => pred(f));
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a frame; last frames: ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.waiters.push({ pred, from: this.cursor, resolve: (f) => { clearTimeout(timer); resolve(f); } });
    });
  }

  /** Frames of one type. */
  ofType(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Forgets the frames seen so far, so `next` only matches new ones. */
  clear(): void {
    this.frames.length = 0;
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }
}

export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with HTTP ${status}`);
  }
}
