/**
 * A room's page in the console: the console enters the room over the WebSocket as a spectator
 * (with the admin's token), so the map, the members and the last events are the ones any client
 * of the room sees, live; notices and kicks go through the HTTP API.
 */
import { MyRoomClient, MyRoomRequestError } from '../../client/myroom-client';
import { RoomSession, type StateChange } from '../../client/room-session';
import type { LiveRoomSummary } from '../../api/api-types';
import type { RoomEvent, WelcomeMessage } from '../../protocol/messages';
import { gameNames, roomInfo, socketUrl, tokenRefused } from '../api';
import { byId, el, say, type Tone } from '../dom';
import { colorFor } from '../geometry';
import { RoomCanvas } from '../room-canvas';
import { describeError, describeReconnect, describeState } from '../words';
import * as adminApi from './admin-api';

/** Events kept in the list, newest first. */
const SHOWN_EVENTS = 30;

export class RoomWatch {
  private readonly session: RoomSession;
  private readonly canvas: RoomCanvas;
  private names = new Map<number, string>();
  /** Names of everyone seen in the room, for events that carry only a user id. */
  private readonly people = new Map<string, string>();
  /** Nobody kicks a room's owner: no button for them. */
  private ownerId?: string;
  private tokenWasRefused = false;
  private readonly cleanups: (() => unknown)[] = [];

  constructor(
    readonly roomId: string,
    private readonly token: string,
    private readonly onSignedOut: (message: string) => void,
  ) {
    this.session = new RoomSession({
      connect: () => MyRoomClient.connect({ url: socketUrl(roomId), token }),
      roomId,
      as: 'spectator',
      canRetry: async (err) => {
        if (err instanceof MyRoomRequestError) return true;
        this.tokenWasRefused = await tokenRefused(token);
        return !this.tokenWasRefused;
      },
    });
    this.canvas = new RoomCanvas(byId<HTMLCanvasElement>('room-canvas'), byId('canvas-box'));
    byId('room-title').textContent = `Room #${roomId}`;
    byId('members').replaceChildren();
    byId('member-count').textContent = '';
    byId('events').replaceChildren();
    this.notify('');
    this.cleanups.push(
      this.session.on('state', (s) => this.onState(s)),
      this.session.on('change', (f) => this.onChange(f)),
    );
    byId<HTMLFormElement>('notice-form').onsubmit = (e) => {
      e.preventDefault();
      void this.sendNotice();
    };
    void this.loadNames();
    this.session.start().catch(() => undefined); // failures show through the `failed` state
  }

  /** Leaves the room (a spectator's leave is not a room event) and releases the page. */
  async stop(): Promise<void> {
    for (const c of this.cleanups.splice(0)) c();
    this.canvas.destroy();
    byId<HTMLFormElement>('notice-form').onsubmit = null;
    await this.session.stop();
  }

  /** The room's line of the admin stream: live spectators and instances (spectators come and go without events). */
  updateFromFeed(room: LiveRoomSummary | undefined): void {
    byId('room-spectators').textContent = room ? String(room.spectators) : '0';
    byId('room-instances').textContent = room ? room.instances.join(', ') : '–';
    if (room) byId('room-title').textContent = `${room.owner.name}'s room #${room.roomId}`;
    if (room && this.ownerId !== room.owner.userId) {
      this.ownerId = room.owner.userId;
      this.renderMembers();
    }
  }

  private onState(s: StateChange): void {
    const badge = byId('conn-badge');
    badge.dataset.state = s.state;
    badge.textContent = s.state === 'in-room' ? 'Watching live' : describeState(s);
    byId('conn-detail').textContent = describeReconnect(s);
    byId('screen-room').classList.toggle('not-live', s.state !== 'in-room');
    if (s.state === 'failed') {
      if (this.tokenWasRefused) {
        this.onSignedOut(
          'Your admin token is no longer accepted (expired, or the server changed its secret). Sign in again.',
        );
        return;
      }
      this.notify(describeError(s.error, 'enter'), 'error');
    }
  }

  private onChange(frame: WelcomeMessage | RoomEvent): void {
    if (
      (frame.type === 'built' || frame.type === 'welcome') &&
      frame.map.objects.some((o) => o.gameId !== undefined && !this.names.has(o.gameId))
    ) {
      void this.loadNames();
    }
    if (frame.type === 'welcome' || frame.type === 'built')
      for (const m of frame.members) this.people.set(m.userId, m.name);
    if (frame.type === 'entered') this.people.set(frame.member.userId, frame.member.name);
    this.logEvent(frame);
    const model = this.session.model;
    byId('room-seq').textContent = String(model.seq);
    byId('map-version').textContent = String(model.map.version);
    this.renderMembers();
    this.draw();
  }

  private draw(): void {
    const model = this.session.model;
    if (!model.isReady) return;
    this.canvas.draw({
      room: model.map,
      map: model.map,
      members: model.memberList(),
      gameName: (id) => this.names.get(id) ?? `Game ${id}`,
      building: false,
    });
  }

  private async loadNames(): Promise<void> {
    try {
      const info = await roomInfo(this.token, this.roomId);
      this.names = gameNames(info.games);
      this.ownerId = info.owner.userId;
      this.renderMembers();
      this.draw();
    } catch {
      // Games then show their number.
    }
  }

  private renderMembers(): void {
    if (!this.session.model.isReady) return;
    const members = this.session.model.memberList();
    byId('member-count').textContent = `(${members.length})`;
    if (members.length === 0) {
      byId('members').replaceChildren(el('li', { class: 'empty' }, 'Nobody is walking here.'));
      return;
    }
    byId('members').replaceChildren(
      ...members.map((m) => {
        const dot = el('span', { class: 'dot' });
        dot.style.background = colorFor(m.userId);
        const item = el(
          'li',
          { 'data-user-id': m.userId, 'data-x': String(m.x), 'data-y': String(m.y) },
          dot,
          el('span', { class: 'name' }, m.name),
          el('span', { class: 'pos' }, `${m.x}, ${m.y}`),
        );
        if (m.userId === this.ownerId) {
          item.append(el('span', { class: 'owner-tag' }, 'owner'));
        } else {
          const kick = el(
            'button',
            { type: 'button', class: 'kick', 'data-kick': m.userId, title: `Remove ${m.name} from the room` },
            'Kick',
          );
          kick.onclick = () => void this.kick(m.userId, m.name, kick);
          item.append(kick);
        }
        return item;
      }),
    );
  }

  private logEvent(frame: WelcomeMessage | RoomEvent): void {
    const list = byId('events');
    const item = el(
      'li',
      { 'data-seq': String(frame.seq), 'data-type': frame.type },
      el('span', { class: 'seq' }, `#${frame.seq}`),
      el('span', { class: 'type' }, frame.type),
      el(
        'span',
        {},
        describeEvent(frame, (id) => this.people.get(id) ?? id),
      ),
    );
    list.prepend(item);
    while (list.children.length > SHOWN_EVENTS) list.lastElementChild?.remove();
  }

  private async kick(userId: string, name: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const { seq } = await adminApi.kick(this.token, this.roomId, userId);
      this.notify(`${name} was removed from the room (seq ${seq}).`, 'ok');
    } catch (err) {
      button.disabled = false;
      this.notify(`Could not kick ${name}: ${(err as Error).message}`, 'error');
    }
  }

  private async sendNotice(): Promise<void> {
    const input = byId<HTMLTextAreaElement>('notice-input');
    const text = input.value.trim();
    if (!text) return;
    try {
      const { seq } = await adminApi.notice(this.token, this.roomId, text);
      input.value = '';
      this.notify(`Notice sent (seq ${seq}).`, 'ok');
    } catch (err) {
      this.notify(`Could not send the notice: ${(err as Error).message}`, 'error');
    }
  }

  private notify(text: string, tone: Tone = 'info'): void {
    say(byId('room-message'), text, tone);
  }
}

function describeEvent(f: WelcomeMessage | RoomEvent, name: (userId: string) => string): string {
  switch (f.type) {
    case 'welcome':
      return `watching: ${f.members.length} in the room, map v${f.map.version}`;
    case 'entered':
      return `${f.member.name} entered at ${f.member.x}, ${f.member.y}`;
    case 'moved':
      return `${name(f.userId)} → ${f.x}, ${f.y}`;
    case 'built':
      return `map v${f.map.version}, ${f.map.objects.length} objects`;
    case 'left':
      return `${name(f.userId)} left (${f.reason})`;
    case 'notice':
      return `${f.from.name}: ${f.text}`;
    case 'said':
      return `${f.name} said: ${f.text}`;
  }
}
