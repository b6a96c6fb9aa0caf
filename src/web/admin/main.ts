/**
 * The admin console at /admin: sign in with an admin token (or the demo admin where the server
 * allows it), then live instances, rooms and totals from GET /api/admin/stream; a room's page
 * (#room=<id>) watches it over the WebSocket as a spectator. Same look and same CSP as the game.
 */
import './admin.css'; // bundled by esbuild into admin.css next to admin.js
import { ApiError, me } from '../api';
import { byId, say, show, type Tone } from '../dom';
import * as adminApi from './admin-api';
import { Overview } from './overview';
import { RoomWatch } from './room-watch';

const TOKEN_KEY = 'myroom.adminToken';

type Screen = 'screen-loading' | 'screen-sign-in' | 'screen-overview' | 'screen-room';

let token: string | undefined;
let stopFeed: (() => void) | undefined;
let watch: RoomWatch | undefined;
const overview = new Overview({
  openRoom: (roomId) => {
    location.hash = `room=${encodeURIComponent(roomId)}`;
  },
  drain: (instanceId) => void drain(instanceId),
});

function showScreen(id: Screen): void {
  document.querySelectorAll<HTMLElement>('main > .screen').forEach((s) => {
    s.hidden = s.id !== id;
  });
}

function pageMessage(text: string, tone: Tone = 'error'): void {
  say(byId('page-message'), text, tone);
}

function roomInHash(): string | undefined {
  return new URLSearchParams(location.hash.replace(/^#/, '')).get('room') ?? undefined;
}

async function route(): Promise<void> {
  if (!token) return;
  const roomId = roomInHash();
  if (watch && watch.roomId !== roomId) {
    const leaving = watch;
    watch = undefined;
    await leaving.stop();
  }
  if (roomId && !watch) {
    showScreen('screen-room');
    watch = new RoomWatch(roomId, token, (m) => signOut(m));
    watch.updateFromFeed(overview.snapshot?.rooms.find((r) => r.roomId === roomId));
  } else if (!roomId) {
    showScreen('screen-overview');
  }
}

// ---- sign-in ---------------------------------------------------------------------------------

async function showSignIn(): Promise<void> {
  showScreen('screen-sign-in');
  show(byId('who'), false);
  show(byId('sign-out'), false);
  show(byId('feed-badge'), false);
  const text = byId('demo-admin-text');
  const button = byId<HTMLButtonElement>('demo-admin-button');
  button.hidden = true;
  let dev: Awaited<ReturnType<typeof adminApi.devSignIn>>;
  try {
    dev = await adminApi.devSignIn();
  } catch (err) {
    text.textContent = `The demo admin is not available: ${(err as Error).message}`;
    return;
  }
  const first = dev?.users[0];
  if (!dev) {
    text.textContent =
      'No demo admin here: this server has the development sign-in off (DEV_TOKENS). Paste an admin token.';
  } else if (!dev.adminTokens) {
    text.textContent =
      'No demo admin here: the development sign-in gives admin tokens only with DEV_ADMIN_TOKENS=true, ' +
      'which the server allows only when it listens on loopback (HOST=127.0.0.1). Paste an admin token.';
  } else if (!first) {
    text.textContent = 'No demo admin yet: there are no users (load the demo data with npm run seed).';
  } else {
    text.textContent = `Development sign-in: act as ${first.name} with the admin role.`;
    button.hidden = false;
    button.onclick = () => void signInAsDemoAdmin(first.userId);
  }
}

async function signInAsDemoAdmin(userId: string): Promise<void> {
  try {
    await signIn((await adminApi.devAdminToken(userId)).token);
  } catch (err) {
    pageMessage(`Could not sign in: ${(err as Error).message}`);
  }
}

async function signIn(candidate: string): Promise<void> {
  let name: string;
  try {
    name = (await me(candidate)).user.name;
    await adminApi.checkAdmin(candidate);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401)
      pageMessage('That token was not accepted: it is malformed, expired, or made with another secret.');
    else if (err instanceof ApiError && err.status === 403)
      pageMessage(
        'That token is not an admin\'s: its claims need "role": "admin" (npm run token -- <userId> --admin).',
      );
    else pageMessage((err as Error).message);
    return;
  }
  token = candidate;
  sessionStorage.setItem(TOKEN_KEY, candidate);
  pageMessage('');
  const who = byId('who');
  who.textContent = `Signed in as ${name} (admin)`;
  show(who);
  show(byId('sign-out'));
  startFeed(candidate);
  await route();
}

function signOut(message = ''): void {
  sessionStorage.removeItem(TOKEN_KEY);
  token = undefined;
  stopFeed?.();
  stopFeed = undefined;
  const leaving = watch;
  watch = undefined;
  void leaving?.stop();
  history.replaceState(null, '', location.pathname);
  void showSignIn().then(() => pageMessage(message, 'info'));
}

// ---- live feed -------------------------------------------------------------------------------

function startFeed(t: string): void {
  stopFeed?.();
  const badge = byId('feed-badge');
  show(badge);
  const status = (state: 'live' | 'reconnecting' | 'unavailable', text: string, detail = '') => {
    badge.dataset.state = state === 'live' ? 'in-room' : state === 'reconnecting' ? 'reconnecting' : 'failed';
    badge.textContent = text;
    byId('feed-detail').textContent = detail;
  };
  status('reconnecting', 'Connecting…');
  stopFeed = adminApi.followFeed(t, {
    snapshot: (s) => {
      status(
        'live',
        'Live',
        `Figures from ${s.servedBy}, ${new Date(s.at).toLocaleTimeString()}; updated every second.`,
      );
      overview.update(s);
      watch?.updateFromFeed(s.rooms.find((r) => r.roomId === watch?.roomId));
    },
    unavailable: (detail) =>
      status(
        'unavailable',
        'Figures unavailable',
        `The server cannot read its figures: ${detail}. Retrying every second.`,
      ),
    status: (live, why) => {
      if (!live) status('reconnecting', 'Reconnecting…', `Lost the live feed (${why ?? 'unknown'}); retrying.`);
    },
    refused: (err) =>
      signOut(
        err.status === 401
          ? 'Your admin token is no longer accepted (expired, or the server changed its secret). Sign in again.'
          : "That token is not an admin's any more.",
      ),
  });
}

async function drain(instanceId: string): Promise<void> {
  if (!token) return;
  try {
    await adminApi.drain(token, instanceId);
    pageMessage(`${instanceId} is draining: its clients move to other instances, then it exits.`, 'ok');
  } catch (err) {
    pageMessage(`Could not drain ${instanceId}: ${(err as Error).message}`);
  }
}

// ---- wiring ----------------------------------------------------------------------------------

function wire(): void {
  byId<HTMLFormElement>('token-form').onsubmit = (e) => {
    e.preventDefault();
    const pasted = byId<HTMLTextAreaElement>('token-input')
      .value.trim()
      .replace(/^Bearer\s+/i, '');
    if (pasted) void signIn(pasted);
  };
  byId('sign-out').onclick = () => signOut();
  byId('back').onclick = () => {
    location.hash = '';
  };
  byId('home-link').onclick = (e) => {
    e.preventDefault();
    location.hash = '';
  };
  window.addEventListener('hashchange', () => void route());
}

async function boot(): Promise<void> {
  wire();
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    await signIn(saved);
    if (token) return;
    sessionStorage.removeItem(TOKEN_KEY);
  }
  await showSignIn();
}

void boot();
