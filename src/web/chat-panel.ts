/**
 * The room's chat: the history the welcome brought, then each line as it is said. Lines are put
 * in the page as text (el() sets text nodes), never as HTML: `<script>` in a line shows as typed.
 * Keys typed into the input never move the avatar (room-view.ts ignores keys aimed at inputs).
 */
import { MyRoomRequestError } from '../client/myroom-client';
import type { RoomSession } from '../client/room-session';
import { MAX_SAY_LENGTH, type RoomEvent, type SaidEvent, type WelcomeMessage } from '../protocol/messages';
import { byId, el, type Tone } from './dom';
import { colorFor } from './geometry';
import { describeError, formatSeconds } from './words';

export class ChatPanel {
  private readonly list = byId<HTMLOListElement>('chat-lines');
  private readonly input = byId<HTMLInputElement>('chat-input');
  private sending = false;

  constructor(
    private readonly session: RoomSession,
    private readonly notify: (text: string, tone: Tone) => void,
  ) {
    this.input.maxLength = MAX_SAY_LENGTH;
    byId<HTMLFormElement>('chat-form').onsubmit = (e) => {
      e.preventDefault();
      void this.send();
    };
    this.list.replaceChildren();
  }

  onChange(frame: WelcomeMessage | RoomEvent): void {
    if (frame.type === 'welcome') this.list.replaceChildren(...this.session.model.chat.map((l) => this.line(l)));
    else if (frame.type === 'said') this.list.append(this.line(frame));
    else return;
    this.list.scrollTop = this.list.scrollHeight;
  }

  private async send(): Promise<void> {
    const text = this.input.value.trim();
    if (!text || this.sending) return;
    this.sending = true;
    try {
      await this.session.say(text);
      this.input.value = '';
    } catch (err) {
      this.notify(chatError(err), 'error');
    } finally {
      this.sending = false;
    }
  }

  private line(l: SaidEvent): HTMLLIElement {
    const mine = l.userId === this.session.model.you.userId;
    const who = el('span', { class: 'who' }, mine ? 'you' : l.name);
    who.style.color = colorFor(l.userId);
    const at = new Date(l.at);
    const time = el(
      'time',
      { datetime: l.at, class: 'muted' },
      Number.isNaN(at.getTime()) ? '' : at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
    );
    return el(
      'li',
      { 'data-seq': String(l.seq), 'data-user-id': l.userId },
      time,
      who,
      el('span', { class: 'text' }, l.text),
    );
  }
}

function chatError(err: unknown): string {
  if (err instanceof MyRoomRequestError && err.code === 'RATE_LIMITED') {
    const wait = Number(err.details.retryAfterMs);
    return `You are sending messages too fast.${Number.isFinite(wait) ? ` Try again in ${formatSeconds(wait)}.` : ''}`;
  }
  if (err instanceof MyRoomRequestError && err.code === 'BAD_REQUEST')
    return `A message is 1 to ${MAX_SAY_LENGTH} characters.`;
  return describeError(err, 'move');
}
