/**
 * The owner's room settings: public or private (with the users who may enter), and the kick and
 * ban buttons of the member list. Everything goes through the HTTP API (PUT .../access,
 * POST .../kick, PUT .../bans/:userId); the room's events show the result like anyone sees it.
 */
import { ApiError, ban, kick, readAccess, setAccess } from './api';
import { byId, el, type Tone } from './dom';

export interface AccessPanelOptions {
  roomId: string;
  token: () => string;
  notify: (text: string, tone: Tone) => void;
}

export class AccessPanel {
  private owner = false;

  constructor(private readonly opts: AccessPanelOptions) {
    byId('access-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
  }

  /** Shown to the owner only; loads the stored rules the first time. */
  setOwner(owner: boolean): void {
    const first = owner && !this.owner;
    this.owner = owner;
    byId('access-panel').hidden = !owner;
    if (first) void this.load();
  }

  /** Kick and ban buttons for a member's row (not the owner's own). */
  memberActions(userId: string, name: string): HTMLElement[] {
    if (!this.owner) return [];
    const button = (label: string, action: () => Promise<unknown>, done: string) => {
      const b = el('button', { type: 'button', class: 'quiet small', 'data-action': label.toLowerCase() }, label);
      b.addEventListener('click', () => void this.run(action, done));
      return b;
    };
    const { roomId } = this.opts;
    return [
      button('Kick', () => kick(this.opts.token(), roomId, userId), `${name} was removed from the room.`),
      button('Ban', () => ban(this.opts.token(), roomId, userId), `${name} is banned from the room.`),
    ];
  }

  private async load(): Promise<void> {
    try {
      const access = await readAccess(this.opts.token(), this.opts.roomId);
      byId<HTMLSelectElement>('access-mode').value = access.mode;
      byId<HTMLInputElement>('access-allow').value = access.allow.join(', ');
    } catch (err) {
      this.opts.notify(describe(err), 'error');
    }
  }

  private async save(): Promise<void> {
    const mode = byId<HTMLSelectElement>('access-mode').value === 'private' ? 'private' : 'public';
    const allow = byId<HTMLInputElement>('access-allow')
      .value.split(/[\s,]+/)
      .filter((id) => id.length > 0);
    await this.run(
      () => setAccess(this.opts.token(), this.opts.roomId, mode, allow),
      mode === 'private' ? 'The room is private now.' : 'The room is public now.',
    );
  }

  private async run(action: () => Promise<unknown>, done: string): Promise<void> {
    try {
      await action();
      this.opts.notify(done, 'ok');
    } catch (err) {
      this.opts.notify(describe(err), 'error');
    }
  }
}

function describe(err: unknown): string {
  return err instanceof ApiError ? err.message : 'That did not work; try again.';
}
