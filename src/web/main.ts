/**
 * The web client's entry: sign in (demo user or pasted token), choose a room, play it.
 * Where you are lives in the address (#room=3&as=player), so reload and back work.
 */
import './app.css'; // bundled by esbuild into app.css next to app.js
import type { Role } from '../protocol/messages';
import * as api from './api';
import { byId, el, say, show, showScreen } from './dom';
import { ReplayView } from './replay-view';
import { RoomView } from './room-view';

interface SignedIn {
  token: string;
  user: api.UserSummary;
  ownRoomId: string | null;
  /** A fresh token from the same sign-in (the demo sign-in can; a pasted token cannot). */
  refresh?: () => Promise<string>;
}

let account: SignedIn | undefined;
let room: { view: RoomView; id: string; as: Role } | undefined;
let replay: { view: ReplayView; id: string } | undefined;

function pageMessage(text: string, tone: 'info' | 'error' | 'ok' = 'error'): void {
  say(byId('page-message'), text, tone);
}

function parseHash(): { roomId: string; as: Role } | undefined {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const roomId = params.get('room');
  if (params.has('replay')) return undefined;
  if (!roomId) return undefined;
  return { roomId, as: params.get('as') === 'spectator' ? 'spectator' : 'player' };
}

function go(hash: string): void {
  if (location.hash.replace(/^#/, '') === hash) void route();
  else location.hash = hash;
}

/** `#replay=3`: the replay screen of room 3. */
function replayOfHash(): string | undefined {
  return new URLSearchParams(location.hash.replace(/^#/, '')).get('replay') ?? undefined;
}

function enterHash(roomId: string, as: Role): string {
  return `room=${encodeURIComponent(roomId)}${as === 'spectator' ? '&as=spectator' : ''}`;
}

async function route(): Promise<void> {
  if (!account) return;
  const wanted = parseHash();
  if (room && (!wanted || wanted.roomId !== room.id || wanted.as !== room.as)) {
    const leaving = room.view;
    room = undefined;
    await leaving.leave();
  }
  const replaying = replayOfHash();
  if (replay && replay.id !== replaying) {
    replay.view.close();
    replay = undefined;
  }
  if (replaying && !replay) {
    pageMessage('');
    replay = { id: replaying, view: new ReplayView({ token: account.token, user: account.user, roomId: replaying }) };
    return;
  }
  if (replaying) return;
  if (wanted && !room) {
    pageMessage('');
    room = {
      id: wanted.roomId,
      as: wanted.as,
      view: new RoomView({
        token: account.token,
        refreshToken: account.refresh,
        user: account.user,
        roomId: wanted.roomId,
        as: wanted.as,
        onSignedOut: (m) => signOut(m),
      }),
    };
  } else if (!wanted) {
    await showLobby();
  }
}

// ---- sign-in ---------------------------------------------------------------------------------

async function showSignIn(): Promise<void> {
  showScreen('screen-sign-in');
  show(byId('who'), false);
  show(byId('sign-out'), false);
  let users: api.UserSummary[] | null = null;
  try {
    users = await api.devUsers();
  } catch (err) {
    pageMessage((err as Error).message);
  }
  show(byId('demo-sign-in'), users !== null);
  if (users?.length === 0) {
    byId('demo-users').replaceChildren(
      el('p', { class: 'muted small' }, 'No users yet: load the demo data with npm run seed.'),
    );
    return;
  }
  byId('demo-users').replaceChildren(
    ...(users ?? []).map((u) => {
      const b = el('button', { type: 'button', 'data-user-id': u.userId }, u.name);
      b.onclick = () => void signInAsDemoUser(u.userId);
      return b;
    }),
  );
}

async function signInAsDemoUser(userId: string): Promise<void> {
  try {
    const { token } = await api.devToken(userId);
    await signIn(token, userId);
  } catch (err) {
    pageMessage(`Could not sign in: ${(err as Error).message}`);
  }
}

/** `devUser`: the token came from the demo sign-in for this user, which can give fresh ones. */
async function signIn(token: string, devUser: string | null = null): Promise<void> {
  let me: api.MeResponse;
  try {
    me = await api.me(token);
  } catch (err) {
    if (err instanceof api.ApiError && err.status === 401) {
      pageMessage('That token was not accepted: it is malformed, expired, or made with another secret.');
    } else {
      pageMessage((err as Error).message);
    }
    return;
  }
  api.tokenStore.set(token);
  api.tokenStore.setDevUser(devUser);
  const signedIn: SignedIn = { token, user: me.user, ownRoomId: me.roomId };
  if (devUser !== null) {
    signedIn.refresh = async () => {
      const fresh = (await api.devToken(devUser)).token;
      signedIn.token = fresh;
      if (account === signedIn) api.tokenStore.set(fresh);
      return fresh;
    };
  }
  account = signedIn;
  pageMessage('');
  const who = byId('who');
  who.textContent = `Signed in as ${me.user.name}`;
  show(who);
  show(byId('sign-out'));
  await route();
}

function signOut(message = ''): void {
  api.tokenStore.clear();
  account = undefined;
  const leaving = room?.view;
  room = undefined;
  void leaving?.leave();
  replay?.view.close();
  replay = undefined;
  history.replaceState(null, '', location.pathname);
  void showSignIn().then(() => pageMessage(message, 'info'));
}

// ---- lobby -----------------------------------------------------------------------------------

async function showLobby(): Promise<void> {
  if (!account) return;
  showScreen('screen-lobby');
  const list = byId('room-list');
  list.replaceChildren(el('li', { class: 'muted' }, 'Loading rooms…'));
  let rooms: api.RoomSummary[];
  try {
    rooms = await api.rooms(account.token);
  } catch (err) {
    list.replaceChildren(el('li', { class: 'muted' }, `Could not list rooms: ${(err as Error).message}`));
    return;
  }
  const mine = account.user.userId;
  rooms.sort((a, b) => Number(b.roomId === account?.ownRoomId) - Number(a.roomId === account?.ownRoomId));
  list.replaceChildren(
    ...rooms.map((r) => {
      const own = r.owner.userId === mine;
      const enter = el('button', { type: 'button', 'data-room-id': r.roomId, 'data-as': 'player' }, 'Enter');
      const watch = el(
        'button',
        { type: 'button', class: 'secondary', 'data-room-id': r.roomId, 'data-as': 'spectator' },
        'Watch',
      );
      const past = el(
        'button',
        { type: 'button', class: 'secondary', 'data-room-id': r.roomId, 'data-as': 'replay' },
        'Replay',
      );
      enter.onclick = () => go(enterHash(r.roomId, 'player'));
      watch.onclick = () => go(enterHash(r.roomId, 'spectator'));
      past.onclick = () => go(`replay=${encodeURIComponent(r.roomId)}`);
      const name = el('span', { class: 'name' }, own ? 'Your room' : `${r.owner.name}'s room`);
      if (own) name.append(el('span', { class: 'mine' }, 'owner'));
      return el('li', {}, name, el('span', { class: 'muted small' }, `#${r.roomId}`), enter, watch, past);
    }),
  );
  if (rooms.length === 0) list.replaceChildren(el('li', { class: 'muted' }, 'No rooms yet.'));
}

// ---- wiring ----------------------------------------------------------------------------------

function wire(): void {
  byId<HTMLFormElement>('token-form').onsubmit = (e) => {
    e.preventDefault();
    const token = byId<HTMLTextAreaElement>('token-input')
      .value.trim()
      .replace(/^Bearer\s+/i, '');
    if (token) void signIn(token);
  };
  byId<HTMLFormElement>('enter-form').onsubmit = (e) => {
    e.preventDefault();
    const as = (e.submitter as HTMLButtonElement | null)?.value === 'spectator' ? 'spectator' : 'player';
    const roomId = byId<HTMLInputElement>('room-input').value.trim();
    if (roomId) go(enterHash(roomId, as));
  };
  byId('sign-out').onclick = () => signOut();
  byId('leave-room').onclick = () => go('');
  byId('leave-replay').onclick = () => go('');
  byId('home-link').onclick = (e) => {
    e.preventDefault();
    if (account) go('');
  };
  window.addEventListener('hashchange', () => void route());
}

async function boot(): Promise<void> {
  wire();
  const saved = api.tokenStore.get();
  if (!saved) return showSignIn();
  try {
    await api.me(saved);
  } catch (err) {
    api.tokenStore.clear();
    await showSignIn();
    if (err instanceof api.ApiError && err.status === 401)
      pageMessage('Your saved sign-in is no longer valid; sign in again.', 'info');
    else pageMessage((err as Error).message);
    return;
  }
  await signIn(saved, api.tokenStore.devUser());
}

void boot();
