/**
 * The room screen: one RoomSession (connect, enter, reconnect), drawn on the canvas from the
 * session's model only, so every position shown is one the server confirmed. Keys send steps;
 * the picture moves when the server's `moved` arrives.
 */
import { MyRoomClient, MyRoomRequestError } from '../client/myroom-client';
import { RoomSession, type StateChange, TokenExpiredError } from '../client/room-session';
import type { Role, RoomEvent, WelcomeMessage } from '../protocol/messages';
import { gameNames, roomInfo, socketUrl, tokenRefused, type UserSummary } from './api';
import { AccessPanel } from './access-panel';
import { BuildPanel } from './build-panel';
import { ChatPanel } from './chat-panel';
import { byId, el, say, showScreen, type Tone } from './dom';
import { colorFor } from './geometry';
import { directionForKey, MoveController } from './keyboard';
import { RoomCanvas } from './room-canvas';
import { describeError, describeReconnect, describeState } from './words';

export interface RoomViewOptions {
  token: string;
  /** Gets a fresh token from the same sign-in; without it, an expired sign-in ends the room. */
  refreshToken?: () => Promise<string>;
  user: UserSummary;
  roomId: string;
  as: Role;
  /** The token was refused while reconnecting: back to the sign-in screen with this message. */
  onSignedOut: (message: string) => void;
}

type NoticeSource = 'move' | 'other';

export class RoomView {
  private readonly session: RoomSession;
  private readonly canvas: RoomCanvas;
  private readonly build: BuildPanel;
  private readonly chat: ChatPanel;
  private readonly access: AccessPanel;
  private readonly moves: MoveController;
  private names = new Map<number, string>();
  private ownerName?: string;
  private tokenWasRefused = false;
  /** The newest token: the first one, then each refreshed one. */
  private token: string;
  private noticeSource: NoticeSource = 'other';
  private readonly cleanups: (() => unknown)[] = [];

  constructor(private readonly opts: RoomViewOptions) {
    showScreen('screen-room');
    this.token = opts.token;
    const refresh = opts.refreshToken;
    this.session = new RoomSession({
      connect: () =>
        MyRoomClient.connect({
          url: socketUrl(opts.roomId),
          token: this.token,
          ...(refresh ? { refreshToken: async () => (this.token = await refresh()) } : {}),
        }),
      roomId: opts.roomId,
      as: opts.as,
      // A browser cannot see why a handshake failed; ask the API whether the token is the reason.
      canRetry: async (err) => {
        if (err instanceof MyRoomRequestError) return true;
        this.tokenWasRefused = await tokenRefused(this.token);
        return !this.tokenWasRefused;
      },
    });
    this.canvas = new RoomCanvas(byId<HTMLCanvasElement>('room-canvas'), byId('canvas-box'));
    this.build = new BuildPanel(this.session, { notify: (t, tone) => this.notify(t, tone), redraw: () => this.draw() });
    this.chat = new ChatPanel(this.session, (t, tone) => this.notify(t, tone));
    this.access = new AccessPanel({
      roomId: opts.roomId,
      token: () => this.token,
      notify: (t, tone) => this.notify(t, tone),
    });
    this.moves = new MoveController({
      send: async (dir) => {
        await this.session.move(dir);
        if (this.noticeSource === 'move') this.notify('', 'info');
      },
      onRefused: (err) => this.notify(describeError(err, 'move'), 'error', 'move'),
    });
    this.canvas.onCellClick = (c) => this.build.click(c);
    this.canvas.onHover = (c) => this.build.hover(c);

    this.resetSidebar();
    this.cleanups.push(
      this.session.on('state', (s) => this.onState(s)),
      this.session.on('change', (f) => this.onChange(f)),
      this.session.on('error', (e) =>
        this.notify(describeError(new MyRoomRequestError(e.code, e.message, e), 'move'), 'error'),
      ),
    );
    this.listen(window, 'keydown', (e) => this.onKey(e as KeyboardEvent, true));
    this.listen(window, 'keyup', (e) => this.onKey(e as KeyboardEvent, false));
    this.listen(window, 'blur', () => this.moves.releaseAll());
    byId('take-over').onclick = () => this.session.takeOver();
    byId('retry-enter').onclick = () => this.session.takeOver();
    void this.loadRoomInfo();
    this.session.start().catch(() => undefined); // failures show through the `failed` state
  }

  /** Leaves the room (the others see `left`) and releases the page. */
  async leave(): Promise<void> {
    this.dispose();
    await this.session.stop();
  }

  private dispose(): void {
    for (const c of this.cleanups.splice(0)) c();
    this.canvas.destroy();
    this.moves.releaseAll();
    this.build.setActive(false);
  }

  private listen(target: EventTarget, type: string, handler: (e: Event) => void): void {
    target.addEventListener(type, handler);
    this.cleanups.push(() => target.removeEventListener(type, handler));
  }

  // ---- session --------------------------------------------------------------------------------

  private onState(s: StateChange): void {
    const badge = byId('conn-badge');
    badge.dataset.state = s.state;
    badge.textContent = describeState(s);
    byId('conn-detail').textContent = describeReconnect(s);
    // Anything but in-room: the picture is the last one seen, not live; show it faded.
    byId('screen-room').classList.toggle('not-live', s.state !== 'in-room');
    byId('replaced-panel').hidden = s.state !== 'replaced';
    byId('failed-panel').hidden = s.state !== 'failed';
    if (s.state === 'failed') {
      if (s.error instanceof TokenExpiredError) {
        this.dispose();
        this.opts.onSignedOut('Your sign-in expired. Please sign in again.');
        return;
      }
      if (this.tokenWasRefused) {
        this.dispose();
        this.opts.onSignedOut(
          'Your sign-in is no longer valid (it expired, or the server changed its secret). Please sign in again.',
        );
        return;
      }
      byId('failed-text').textContent = describeError(s.error, 'enter');
    }
    if (s.state !== 'in-room') this.moves.releaseAll();
    if (s.state === 'in-room' && this.noticeSource === 'move') this.notify('', 'info');
    this.build.refresh();
    this.renderFacts();
  }

  private onChange(frame: WelcomeMessage | RoomEvent): void {
    if (frame.type === 'welcome') {
      this.build.setOwner(frame.you.owner);
      this.access.setOwner(frame.you.owner);
      byId('keys-hint').hidden = frame.you.role !== 'player';
    }
    // A game this page has no name for (the owner's library changed): ask again.
    const unknownGame =
      frame.type === 'built' || frame.type === 'welcome'
        ? frame.map.objects.some((o) => o.gameId !== undefined && !this.names.has(o.gameId))
        : false;
    if (unknownGame) void this.loadRoomInfo();
    if (frame.type === 'built') this.build.refresh();
    if (frame.type === 'notice') this.notify(`${frame.from.name}: ${frame.text}`, 'info');
    this.chat.onChange(frame);
    this.renderFacts();
    this.renderMembers();
    this.draw();
  }

  private async loadRoomInfo(): Promise<void> {
    try {
      const info = await roomInfo(this.opts.token, this.opts.roomId);
      this.names = gameNames(info.games);
      this.ownerName = info.owner.name;
      this.build.setLibrary(info.games);
      this.renderTitle();
      this.draw();
    } catch {
      // Names are a nicety: without them games show their number, and the palette only walls.
    }
  }

  // ---- input ----------------------------------------------------------------------------------

  private onKey(e: KeyboardEvent, down: boolean): void {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable))
      return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const dir = directionForKey(e);
    if (!dir) return;
    e.preventDefault();
    if (!down) return this.moves.release(dir);
    if (e.repeat) return;
    if (this.session.model.role !== 'player') {
      this.notify('You are watching as a spectator: there is no avatar to move.', 'info', 'move');
      return;
    }
    void this.moves.press(dir);
  }

  // ---- drawing --------------------------------------------------------------------------------

  private draw(): void {
    const model = this.session.model;
    if (!model.isReady) return;
    const scene = {
      room: model.map,
      map: model.map,
      members: model.memberList(),
      meId: model.you.role === 'player' ? model.you.userId : undefined,
      gameName: (id: number) => this.names.get(id) ?? `Game ${id}`,
      building: false,
    };
    this.canvas.draw(this.build.decorate(scene));
  }

  private resetSidebar(): void {
    this.renderTitle();
    byId('members').replaceChildren();
    byId('member-count').textContent = '';
    this.notify('', 'info');
    for (const id of ['replaced-panel', 'failed-panel', 'build-panel']) byId(id).hidden = true;
    this.renderFacts();
  }

  private renderTitle(): void {
    const mine = this.opts.roomId === this.opts.user.userId;
    byId('room-title').textContent = mine
      ? 'Your room'
      : this.ownerName
        ? `${this.ownerName}'s room`
        : `Room ${this.opts.roomId}`;
  }

  private renderFacts(): void {
    const model = this.session.model;
    byId('room-seq').textContent = model.isReady ? String(model.seq) : '–';
    byId('map-version').textContent = model.isReady ? String(model.map.version) : '–';
    const role = model.isReady ? model.you.role : this.opts.as;
    byId('your-role').textContent =
      `${this.opts.user.name}, ${role === 'player' ? 'playing' : 'watching'}${model.you.owner ? ' (owner)' : ''}`;
  }

  private renderMembers(): void {
    const model = this.session.model;
    const members = model.memberList();
    const list = byId('members');
    byId('member-count').textContent = `(${members.length})`;
    if (members.length === 0) {
      list.replaceChildren(el('li', { class: 'empty' }, 'Nobody is walking here yet.'));
      return;
    }
    list.replaceChildren(
      ...members.map((m) => {
        const mine = m.userId === model.you.userId;
        const dot = el('span', { class: 'dot' });
        dot.style.background = colorFor(m.userId);
        return el(
          'li',
          { 'data-user-id': m.userId, 'data-x': String(m.x), 'data-y': String(m.y), ...(mine ? { class: 'me' } : {}) },
          dot,
          el('span', { class: 'name' }, mine ? `${m.name} (you)` : m.name),
          el('span', { class: 'pos' }, `${m.x}, ${m.y}`),
          ...(mine ? [] : this.access.memberActions(m.userId, m.name)),
        );
      }),
    );
  }

  private notify(text: string, tone: Tone, source: NoticeSource = 'other'): void {
    this.noticeSource = source;
    say(byId('room-message'), text, tone);
  }
}
