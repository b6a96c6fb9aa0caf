/** The console's overview: totals with the events/s sparkline, instances (with drain), rooms (with search). */
import type { InstanceStats } from '../../state/instance-stats.port';
import { byId, el } from '../dom';
import type { AdminSnapshot } from './admin-api';
import { pushBounded, sparklinePoints } from './sparkline';

/** A minute of events/s at one snapshot a second. */
const SPARK_SLOTS = 60;

export interface OverviewActions {
  openRoom: (roomId: string) => void;
  /** Called after the operator confirmed. */
  drain: (instanceId: string) => void;
}

export class Overview {
  private last?: AdminSnapshot;
  private readonly rates: number[] = [];

  constructor(private readonly actions: OverviewActions) {
    byId<HTMLInputElement>('room-search').oninput = () => this.renderRooms();
    const dialog = byId<HTMLDialogElement>('drain-dialog');
    dialog.onclose = () => {
      const target = dialog.dataset.instanceId;
      if (dialog.returnValue === 'drain' && target) this.actions.drain(target);
    };
  }

  get snapshot(): AdminSnapshot | undefined {
    return this.last;
  }

  update(s: AdminSnapshot): void {
    this.last = s;
    const t = s.totals;
    byId('total-players').textContent = String(t.players);
    byId('total-spectators').textContent = String(t.spectators);
    byId('total-rooms').textContent = String(t.rooms);
    byId('total-instances').textContent = String(t.instances);
    byId('total-rate').textContent = t.eventsPerSecond === null ? '–' : String(t.eventsPerSecond);
    if (t.eventsPerSecond !== null) pushBounded(this.rates, t.eventsPerSecond, SPARK_SLOTS);
    byId('rate-line').setAttribute('points', sparklinePoints(this.rates, 160, 32, SPARK_SLOTS));
    byId('rate-spark').setAttribute(
      'aria-label',
      `Events per second over the last ${this.rates.length} s, up to ${Math.max(0, ...this.rates)}`,
    );
    this.renderInstances(s);
    this.renderRooms();
  }

  private renderInstances(s: AdminSnapshot): void {
    const rows = s.instances.map((i) => {
      const drain = el('button', { type: 'button', class: 'small danger', 'data-drain': i.instanceId }, 'Drain…');
      drain.disabled = i.draining;
      drain.onclick = () => this.confirmDrain(i.instanceId);
      const name = el('td', { class: 'mono' }, i.instanceId);
      if (i.instanceId === s.servedBy)
        name.append(el('span', { class: 'here', title: 'this console is connected here' }, 'this one'));
      return el(
        'tr',
        { 'data-instance-id': i.instanceId, 'data-draining': String(i.draining), 'data-sessions': String(i.sessions) },
        name,
        el('td', { title: i.startedAt }, since(i.startedAt, s.at)),
        el('td', { class: 'num' }, String(i.sessions)),
        el('td', { class: 'num' }, String(i.rooms)),
        el('td', { class: 'mono' }, i.leaseEpoch ?? '–'),
        el(
          'td',
          {},
          el('span', { class: i.draining ? 'state draining' : 'state' }, i.draining ? 'draining' : 'serving'),
        ),
        el('td', { class: 'num' }, `${i.eventLoopLagMs} ms`),
        el('td', { class: 'num' }, brokerLag(i)),
        el('td', {}, drain),
      );
    });
    byId('instances').replaceChildren(...(rows.length ? rows : [emptyRow(9, 'No live instance.')]));
  }

  private renderRooms(): void {
    const s = this.last;
    if (!s) return;
    const q = byId<HTMLInputElement>('room-search').value.trim().toLowerCase();
    const rooms = s.rooms.filter(
      (r) =>
        !q ||
        r.roomId.toLowerCase().includes(q) ||
        r.owner.name.toLowerCase().includes(q) ||
        r.owner.userId.toLowerCase().includes(q),
    );
    const rows = rooms.map((r) => {
      const open = el('button', { type: 'button', class: 'small secondary', 'data-open-room': r.roomId }, 'Open');
      open.onclick = () => this.actions.openRoom(r.roomId);
      return el(
        'tr',
        { 'data-room-id': r.roomId, 'data-players': String(r.players), 'data-seq': String(r.seq) },
        el('td', { class: 'mono' }, `#${r.roomId}`),
        el('td', {}, r.owner.name),
        el('td', { class: 'num' }, String(r.players)),
        el('td', { class: 'num' }, String(r.spectators)),
        el('td', { class: 'num' }, String(r.seq)),
        el('td', { class: 'num' }, r.version === null ? '–' : `v${r.version}`),
        el('td', { class: 'mono' }, r.instances.join(', ')),
        el('td', {}, open),
      );
    });
    const empty = s.rooms.length === 0 ? 'Nobody is in a room right now.' : `No room matches “${q}”.`;
    byId('rooms').replaceChildren(...(rows.length ? rows : [emptyRow(8, empty)]));
  }

  private confirmDrain(instanceId: string): void {
    const dialog = byId<HTMLDialogElement>('drain-dialog');
    dialog.dataset.instanceId = instanceId;
    byId('drain-target').textContent = instanceId;
    dialog.returnValue = '';
    dialog.showModal();
  }
}

function emptyRow(columns: number, text: string): HTMLTableRowElement {
  return el('tr', { class: 'empty' }, el('td', { colspan: String(columns) }, text));
}

function brokerLag(i: InstanceStats): string {
  return i.brokerLagMs === null ? '–' : `${i.brokerLagMs} ms`;
}

/** "3 min ago"-style age of `iso` at `now`. */
function since(iso: string, now: string): string {
  const s = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
