/** The console's calls to /api, and its live feed (GET /api/admin/stream, server-sent events). */
import type {
  AdminSnapshot,
  DevTokenResponse,
  DevUsersResponse,
  KickAccepted,
  NoticeAccepted,
} from '../../api/api-types';
import { ApiError, bearer, call } from '../api';

export type { AdminSnapshot } from '../../api/api-types';

const json = (token: string, body: unknown): RequestInit => ({
  method: 'POST',
  headers: { ...bearer(token), 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

/** The development sign-in's users and whether it mints admin tokens; null when it is off. */
export async function devSignIn(): Promise<DevUsersResponse | null> {
  try {
    return await call<DevUsersResponse>('/api/dev/users');
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export function devAdminToken(userId: string): Promise<DevTokenResponse> {
  return call<DevTokenResponse>('/api/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId, admin: true }),
  });
}

/** Any admin route answers 403 to a token without `"role": "admin"`. */
export async function checkAdmin(token: string): Promise<void> {
  await call('/api/instances', { headers: bearer(token) });
}

export function notice(token: string, roomId: string, text: string): Promise<NoticeAccepted> {
  return call<NoticeAccepted>(`/api/rooms/${encodeURIComponent(roomId)}/notices`, json(token, { text }));
}

export function kick(token: string, roomId: string, userId: string): Promise<KickAccepted> {
  return call<KickAccepted>(`/api/rooms/${encodeURIComponent(roomId)}/kick`, json(token, { userId }));
}

export function drain(token: string, instanceId: string): Promise<{ instanceId: string }> {
  return call(`/api/instances/${encodeURIComponent(instanceId)}/drain`, json(token, {}));
}

export interface FeedHandlers {
  snapshot: (s: AdminSnapshot) => void;
  /** The server is up but cannot read its figures (Redis or the database is down). */
  unavailable: (detail: string) => void;
  /** Connected, or lost and retrying (with why). */
  status: (live: boolean, why?: string) => void;
  /** The token is refused (401) or not an admin's (403): retrying would not help. */
  refused: (err: ApiError) => void;
}

const RETRY_MS = 2000;

/**
 * Follows GET /api/admin/stream until stopped, reconnecting after a drop (to whichever instance
 * the gateway picks). Read with fetch rather than EventSource, which cannot send the token in
 * a header; a token in the address would end up in access logs.
 */
export function followFeed(token: string, on: FeedHandlers): () => void {
  const abort = new AbortController();
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        await readFeed(token, on, abort.signal);
        on.status(false, 'the server ended the feed (restarting?)');
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return on.refused(err);
        on.status(false, err instanceof Error ? err.message : String(err));
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  };
  void run();
  return () => abort.abort();
}

async function readFeed(token: string, on: FeedHandlers, signal: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch('/api/admin/stream', { headers: { ...bearer(token), Accept: 'text/event-stream' }, signal });
  } catch {
    throw new Error('the server cannot be reached');
  }
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => ({}))) as { detail?: string };
    throw new ApiError(res.status, body.detail ?? res.statusText);
  }
  on.status(true);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const event = parseEvent(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
      if (event?.type === 'snapshot') on.snapshot(JSON.parse(event.data) as AdminSnapshot);
      else if (event?.type === 'unavailable') on.unavailable((JSON.parse(event.data) as { detail: string }).detail);
    }
  }
}

/** One server-sent event block: its `event:` name and `data:` lines (comments ignored). */
export function parseEvent(block: string): { type: string; data: string } | null {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return data.length ? { type, data: data.join('\n') } : null;
}
