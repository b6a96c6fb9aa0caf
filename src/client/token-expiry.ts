/**
 * When a client should refresh its token. The server closes a socket with 4004 at its token's
 * `exp` (PROTOCOL.md §1), so the client reads `exp` itself. It only decodes the payload: the
 * server verifies, the client merely schedules.
 */

/** The token's `exp` in ms since the epoch, or undefined when it has none or is not a JWT. */
export function tokenExpiresAt(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const { exp } = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='))) as { exp?: unknown };
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Never wait so long that clocks a little apart, or a slow identity provider, make us miss `exp`. */
const MAX_LEAD_MS = 5000;

/**
 * How long from `now` to wait before refreshing a token that ends at `expiresAt`: at 80 % of the
 * remaining lifetime, and at least MAX_LEAD_MS before the end when the lifetime allows (half of
 * it when it does not, so a very short token is not refreshed in a busy loop). 0: now.
 */
export function refreshDelayMs(expiresAt: number, now = Date.now()): number {
  const remaining = expiresAt - now;
  if (remaining <= 0) return 0;
  const lead = Math.max(remaining * 0.2, Math.min(MAX_LEAD_MS, remaining / 2));
  return Math.round(remaining - lead);
}
