import { backoffDelay } from '../../src/common/backoff';
import { TestClient, type Frame } from '../../test/support/client';

const DIRS = ['up', 'right', 'down', 'left'] as const;
/** As the client library backs off: 100-200 ms, doubling up to 2.5-5 s. */
const RECONNECT = { baseMs: 200, maxMs: 5000, factor: 2 };

export interface PlayerCounts {
  requests: number;
  replies: Record<string, number>;
  reconnects: number;
  resumes: number;
  /** Requests that got no reply in time (the socket died with its instance, or a bug). */
  noReply: number;
}

/**
 * A soak player: connects through the gateway, enters its room and, until stopped, walks, chats,
 * builds (the room's owner), leaves and enters again, or drops its socket and comes back with
 * `resume`. A socket closed under it (its instance was killed or drained) is reconnected the same
 * way. Frames are forgotten after each action: only the room's last seq and map version are kept,
 * so the driver's own memory stays flat over a long run.
 */
export class SoakPlayer {
  private client?: TestClient;
  private running = true;
  private lastSeq?: number;
  private mapVersion = 0;
  private wallId?: string;
  private loop?: Promise<void>;

  constructor(
    readonly userId: string,
    readonly roomId: string,
    private readonly gatewayUrl: string,
    private readonly token: () => string,
    readonly counts: PlayerCounts,
    /** Each player connects from its own loopback address, as users do from theirs: the gateway
     *  limits upgrades per source address. */
    private readonly localAddress: string,
    private readonly random: () => number = Math.random,
  ) {}

  /** The user owns the room whose id is its own (PROTOCOL.md §3). */
  private get owner(): boolean {
    return this.userId === this.roomId;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.client?.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    for (let failures = 0; this.running;) {
      try {
        if (!this.client?.isOpen) await this.connect();
        else await this.act();
        failures = 0;
      } catch {
        // A socket closed mid-request (its instance died) or a refused upgrade: back off, reconnect.
        failures++;
        void this.client?.kill().catch(() => undefined);
        this.client = undefined;
      }
      await sleep(failures ? backoffDelay(failures - 1, RECONNECT) : 300 + this.random() * 500);
    }
  }

  private async connect(): Promise<void> {
    if (this.client) this.counts.reconnects++;
    this.client = await TestClient.connect(this.gatewayUrl, this.token(), { localAddress: this.localAddress });
    const resume = this.lastSeq !== undefined && this.random() < 0.8;
    const reply = await this.request({
      type: 'enter',
      roomId: this.roomId,
      ...(resume ? { resume: { seq: this.lastSeq } } : {}),
    });
    if (resume && reply.type === 'welcome') this.counts.resumes++;
  }

  private async act(): Promise<void> {
    const r = this.random();
    if (r < 0.78) await this.request({ type: 'move', dir: DIRS[Math.floor(this.random() * 4)] });
    else if (r < 0.84)
      await this.request({ type: 'say', text: `soak ${this.userId} ${Math.round(this.random() * 1e6)}` });
    else if (r < 0.9 && this.owner) await this.build();
    else if (r < 0.94) {
      await this.request({ type: 'leave' });
      await this.request({ type: 'enter', roomId: this.roomId });
    } else if (r < 0.96) {
      // Drops the socket; the next turn reconnects and resumes from the last seq seen.
      await this.client!.kill();
    }
  }

  /** Toggles one wall in a corner of the owner's room. */
  private async build(): Promise<void> {
    const ops = this.wallId ? [{ op: 'remove', objectId: this.wallId }] : [{ op: 'place', kind: 'wall', x: 19, y: 19 }];
    await this.request({ type: 'build', baseVersion: this.mapVersion, ops });
  }

  private async request(msg: Record<string, unknown>): Promise<Frame> {
    const c = this.client!;
    this.counts.requests++;
    let reply: Frame;
    try {
      reply = await c.request(msg, 15_000);
    } catch (err) {
      this.counts.noReply++;
      throw err;
    }
    const key = reply.type === 'error' ? `error:${String(reply.code)}` : reply.type;
    this.counts.replies[key] = (this.counts.replies[key] ?? 0) + 1;
    this.absorb(c.frames);
    c.clear();
    return reply;
  }

  /** Keeps what the next actions need from the frames received so far. */
  private absorb(frames: Frame[]): void {
    for (const f of frames) {
      if (f.roomId !== this.roomId) continue;
      if (typeof f.seq === 'number') this.lastSeq = Math.max(this.lastSeq ?? 0, f.seq);
      const map = f.map as { version: number; objects: { id: string; x: number; y: number }[] } | undefined;
      if ((f.type === 'welcome' || f.type === 'built') && map) {
        this.mapVersion = map.version;
        this.wallId = map.objects.find((o) => o.x === 19 && o.y === 19)?.id;
      }
      if (f.type === 'welcome' && f.resumed !== true && typeof f.seq === 'number') this.lastSeq = f.seq;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
