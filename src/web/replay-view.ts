/**
 * The replay screen: a room's past, played by the server (`replay`) and drawn from the same
 * RoomModel as the live room. Play/pause, speed and the timeline slider all work by starting the
 * server's replay again from where the view stands: pausing sends `leave` (which stops a replay),
 * playing asks for a replay from the model's seq, a new speed does both, and the slider asks for
 * one from the time it points at. The slider runs from the earliest point the room keeps (the
 * server's OUT_OF_RANGE answer to a replay from seq 0 names it) to the moment the screen opened.
 */
import { MyRoomClient, MyRoomRequestError } from '../client/myroom-client';
import { RoomModel } from '../client/room-model';
import { MAX_REPLAY_SPEED, type RoomEvent, type WelcomeMessage } from '../protocol/messages';
import { socketUrl, type UserSummary } from './api';
import { byId, el, say, showScreen } from './dom';
import { colorFor } from './geometry';
import { RoomCanvas } from './room-canvas';

export interface ReplayViewOptions {
  token: string;
  user: UserSummary;
  roomId: string;
}

type ReplayState = 'loading' | 'playing' | 'paused' | 'ended' | 'failed';

const EVENT_TYPES = ['entered', 'moved', 'built', 'left', 'notice', 'said'] as const;

export class ReplayView {
  private client?: MyRoomClient;
  private readonly model = new RoomModel();
  private readonly canvas: RoomCanvas;
  private state: ReplayState = 'loading';
  private speed = 1;
  /** The slider's ends, ms since 1970. */
  private earliest = 0;
  private readonly openedAt = Date.now();
  /** Server time of what is shown: the welcome's point, then each event's. */
  private at = 0;
  private readonly cleanups: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: ReplayViewOptions) {
    showScreen('screen-replay');
    byId('replay-title').textContent = `Replay of room ${opts.roomId}`;
    this.canvas = new RoomCanvas(byId<HTMLCanvasElement>('replay-canvas'), byId('replay-box'));
    const speed = byId<HTMLSelectElement>('replay-speed');
    speed.replaceChildren(...[1, 2, 4, 8, MAX_REPLAY_SPEED].map((s) => el('option', { value: String(s) }, `${s}×`)));
    speed.value = '1';
    this.on(byId('replay-play'), 'click', () => void (this.state === 'playing' ? this.pause() : this.play()));
    this.on(speed, 'change', () => void this.changeSpeed(Number(speed.value)));
    this.on(
      byId('replay-slider'),
      'change',
      () => void this.seek(Number(byId<HTMLInputElement>('replay-slider').value)),
    );
    this.render();
    void this.start();
  }

  /** Leaves the screen: the socket closes, which ends the server's replay. */
  close(): void {
    this.closed = true;
    for (const c of this.cleanups.splice(0)) c();
    this.canvas.destroy();
    this.client?.close(1000);
  }

  private on(target: HTMLElement, type: string, handler: () => void): void {
    target.addEventListener(type, handler);
    this.cleanups.push(() => target.removeEventListener(type, handler));
  }

  private async start(): Promise<void> {
    try {
      this.client = await MyRoomClient.connect({ url: socketUrl(), token: this.opts.token });
    } catch (err) {
      return this.fail(`Could not connect: ${(err as Error).message}`);
    }
    if (this.closed) return this.client.close(1000);
    this.client.on('welcome', (w) => this.onWelcome(w));
    for (const type of EVENT_TYPES) this.client.on(type, (e: RoomEvent) => this.onEvent(e));
    this.client.on('replay-end', () => this.setState('ended'));
    this.client.on('close', () => {
      if (!this.closed) this.fail('The connection closed.');
    });
    // From the very start of what is kept: seq 0, or where the server says the timeline begins.
    await this.replayFrom({ seq: 0 }, { fromStart: true });
  }

  private async play(): Promise<void> {
    if (!this.model.isReady) return this.replayFrom({ seq: 0 }, { fromStart: true });
    await this.replayFrom({ seq: this.model.seq });
  }

  private async pause(): Promise<void> {
    this.setState('paused');
    await this.client?.leave().catch(() => undefined);
  }

  private async changeSpeed(speed: number): Promise<void> {
    this.speed = speed;
    if (this.state !== 'playing') return;
    await this.client?.leave().catch(() => undefined);
    await this.play();
  }

  /** Playing, it plays on from the new point; paused or ended, it shows that point and stays paused. */
  private async seek(time: number): Promise<void> {
    const playOn = this.state === 'playing';
    if (playOn) await this.client?.leave().catch(() => undefined);
    await this.replayFrom({ time: new Date(time).toISOString() }, { pause: !playOn });
  }

  /**
   * Asks for a replay. `fromStart`: an OUT_OF_RANGE answer names the timeline's start, so go there.
   * `pause`: show the point only; the `leave` goes right behind the request, so the server stops
   * the replay before its first event (unless that one happened in the same instant as the point).
   */
  private async replayFrom(
    from: { seq: number } | { time: string },
    { fromStart = false, pause = false } = {},
  ): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.setState('loading');
    const started = client.replay(this.opts.roomId, from, this.speed);
    const stopped = pause ? client.leave().catch(() => undefined) : undefined;
    try {
      await started;
      await stopped;
      this.setState(pause ? 'paused' : 'playing');
    } catch (err) {
      if (!(err instanceof MyRoomRequestError)) return this.fail((err as Error).message);
      const earliest = err.details.earliest as { seq: number; time: string } | null | undefined;
      if (err.code === 'OUT_OF_RANGE' && earliest && fromStart)
        return this.replayFrom({ seq: earliest.seq }, { pause });
      if (err.code === 'OUT_OF_RANGE' && !earliest) return this.fail('Nothing has happened in this room yet.');
      if (err.code === 'OUT_OF_RANGE' && earliest)
        return this.fail(`That is older than what is kept; the replay can start at ${earliest.time}.`, 'paused');
      this.fail(err.message);
    }
  }

  private onWelcome(w: WelcomeMessage): void {
    if (!w.replay) return;
    this.model.reset(w);
    this.at = w.at ? Date.parse(w.at) : this.at;
    if (!this.earliest) this.earliest = this.at;
    this.render();
  }

  private onEvent(e: RoomEvent): void {
    if (this.model.applyAcrossGap(e) === 'stale') return;
    const at = (e as { at?: string }).at;
    if (at) this.at = Date.parse(at);
    this.render();
  }

  private setState(state: ReplayState): void {
    this.state = state;
    if (state !== 'failed') say(byId('replay-message'), '');
    this.renderControls();
  }

  private fail(text: string, state: ReplayState = 'failed'): void {
    this.state = state;
    say(byId('replay-message'), text, 'error');
    this.renderControls();
  }

  private render(): void {
    if (this.model.isReady) {
      this.canvas.draw({
        room: this.model.map,
        map: this.model.map,
        members: this.model.memberList(),
        gameName: (id: number) => `Game ${id}`,
        building: false,
      });
    }
    this.renderMembers();
    this.renderChat();
    this.renderControls();
  }

  private renderControls(): void {
    const box = byId('replay-controls');
    box.dataset.state = this.state;
    byId('replay-play').textContent = this.state === 'playing' ? 'Pause' : 'Play';
    byId('replay-seq').textContent = this.model.isReady ? String(this.model.seq) : '–';
    byId('replay-time').textContent = this.at ? new Date(this.at).toLocaleString() : '–';
    byId('replay-status').textContent = this.state;
    const slider = byId<HTMLInputElement>('replay-slider');
    slider.min = String(this.earliest || this.openedAt);
    slider.max = String(Math.max(this.openedAt, this.at));
    slider.value = String(this.at || slider.min);
    slider.disabled = !this.earliest;
  }

  private renderMembers(): void {
    const members = this.model.memberList();
    byId('replay-member-count').textContent = `(${members.length})`;
    byId('replay-members').replaceChildren(
      ...members.map((m) => {
        const dot = el('span', { class: 'dot' });
        dot.style.background = colorFor(m.userId);
        return el(
          'li',
          { 'data-user-id': m.userId, 'data-x': String(m.x), 'data-y': String(m.y) },
          dot,
          el('span', { class: 'name' }, m.name),
          el('span', { class: 'pos' }, `${m.x}, ${m.y}`),
        );
      }),
    );
  }

  private renderChat(): void {
    byId('replay-chat').replaceChildren(
      ...this.model.chat.map((l) =>
        el(
          'li',
          { 'data-seq': String(l.seq) },
          el('span', { class: 'who' }, l.name),
          ' ',
          // Text, never markup (dom.ts's el sets it as text).
          el('span', { class: 'text' }, l.text),
        ),
      ),
    );
  }
}
