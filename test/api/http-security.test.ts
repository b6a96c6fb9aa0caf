import { startTestServer, type TestServer } from '../support/server';

const ALLOWED = 'https://play.myroom.example';

function corsHeaders(res: Response): string[] {
  const names: string[] = [];
  res.headers.forEach((_value, name) => {
    if (name.startsWith('access-control-')) names.push(name);
  });
  return names;
}

/** Security headers, the page's CSP, CORS for /api and the body limit, on the real server. */
describe('HTTP security', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      ALLOWED_ORIGINS: `${ALLOWED}, https://other.myroom.example`,
      HTTP_MAX_BODY: '1024',
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const directives = (csp: string | null) =>
    new Map(
      (csp ?? '')
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .filter((d) => d[0])
        .map(([name, ...values]) => [name, values]),
    );

  it.each(['/', '/api/rooms', '/health/ready', '/api/dev/users', '/metrics'])(
    '%s carries the security headers',
    async (path) => {
      const res = await fetch(server.url + path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    },
  );

  it('allows no inline script or style anywhere in the policy', async () => {
    const csp = (await fetch(server.url + '/')).headers.get('content-security-policy')!;
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(directives(csp).get('style-src')).toEqual(["'self'"]);
  });

  it('lets the API docs page (Swagger UI) use inline styles, and still no inline script', async () => {
    const res = await fetch(server.url + '/api/docs');
    expect(res.status).toBe(200);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
  });

  it('answers a CORS preflight for /api from an allowed origin', async () => {
    const res = await fetch(server.url + '/api/rooms', {
      method: 'OPTIONS',
      headers: {
        Origin: ALLOWED,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/GET/);

    const get = await fetch(server.url + '/api/rooms', {
      headers: { Origin: ALLOWED, Authorization: `Bearer ${server.token(1)}` },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('gives another origin, and routes outside /api, no CORS headers', async () => {
    const preflight = (path: string, origin: string) =>
      fetch(server.url + path, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' },
      });
    expect(corsHeaders(await preflight('/api/rooms', 'https://evil.example'))).toEqual([]);
    expect(corsHeaders(await preflight('/health/ready', ALLOWED))).toEqual([]);
    const get = await fetch(server.url + '/api/rooms', {
      headers: { Origin: 'https://evil.example', Authorization: `Bearer ${server.token(1)}` },
    });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a body over HTTP_MAX_BODY with 413, and takes one under it', async () => {
    const post = (body: string) =>
      fetch(server.url + '/api/dev/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const big = await post(JSON.stringify({ userId: '1', padding: 'x'.repeat(2000) }));
    expect(big.status).toBe(413);
    expect((await post(JSON.stringify({ userId: '1', padding: 'x'.repeat(500) }))).status).toBe(200);
  });
});

describe('HTTP security without ALLOWED_ORIGINS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('sends no CORS headers at all: browsers keep their same-origin rule', async () => {
    const res = await fetch(server.url + '/api/rooms', {
      method: 'OPTIONS',
      headers: { Origin: 'https://any.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(corsHeaders(res)).toEqual([]);
  });

  it('takes the default 16 kB body limit', async () => {
    const res = await fetch(server.url + '/api/dev/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: '1', padding: 'x'.repeat(17 * 1024) }),
    });
    expect(res.status).toBe(413);
  });
});
