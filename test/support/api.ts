import { createHmac } from 'node:crypto';
import { TEST_JWT_SECRET } from './server';

/**
 * An HS256 token for the test servers with any claims, built by hand so tests do not depend on
 * the server's own JWT library. `adminToken` carries `"role": "admin"`.
 */
export function signedToken(
  userId: string | number,
  claims: Record<string, unknown> = {},
  secret = TEST_JWT_SECRET,
): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: String(userId), name: `user${userId}`, iat: now, exp: now + 3600, ...claims })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export const adminToken = (userId: string | number = 'ops') => signedToken(userId, { role: 'admin' });

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  headers: Headers;
  body: T;
}

/** One HTTP call to a test server's API, the body parsed whatever the status. */
export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined || opts.rawBody !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body: opts.rawBody ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    headers: res.headers,
    body: body as T,
  };
}

/** Asserts an RFC 9457 problem with this status (and, when given, the field it names). */
export function expectProblem(answer: ApiAnswer, status: number, field?: string): void {
  expect({ status: answer.status, contentType: answer.contentType.split(';')[0] }).toEqual({
    status,
    contentType: 'application/problem+json',
  });
  expect(answer.body).toMatchObject({
    status,
    type: expect.stringMatching(/^urn:myroom:problem:/),
    title: expect.any(String),
    detail: expect.any(String),
  });
  if (field !== undefined) expect(answer.body.field).toBe(field);
}
