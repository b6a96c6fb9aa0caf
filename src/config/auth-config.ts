import { createPublicKey } from 'node:crypto';
import { isIPv4 } from 'node:net';

/**
 * Who may sign in, and where the server may listen while it trusts a public secret: the rules
 * that keep a server safe when its operator forgets a variable. Pure: environment in, settings or
 * problems out.
 */

/** Published in this repository: whoever knows it can sign tokens for any user. */
export const DEV_JWT_SECRET = 'dev-only-insecure-secret-change-me-0123456789';

export const MAKE_A_SECRET = `node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))"`;

/** Algorithms of the public-key providers; HS256 is the shared-secret one. */
export type PublicKeyAlg = 'RS256' | 'ES256';

export interface AuthConfig {
  /** Signs dev tokens, `npm run token` and the CLI's --user; verifies HS256. Undefined when only public keys are set. */
  jwtSecret?: string;
  /** The secret being rotated out (JWT_SECRET_PREVIOUS): still verified, never used to sign. */
  previousSecret?: string;
  /** PEM of the identity provider's key, and the one algorithm it signs with. */
  publicKey?: { pem: string; alg: PublicKeyAlg };
  /** The identity provider's key set (refetched when a token names an unknown `kid`). */
  jwks?: { url: string; cooldownMs: number };
  issuer?: string;
  audience?: string;
  /** True when no secret or key was set and the well-known development secret is in use. */
  usingDevSecret: boolean;
  /** `POST /api/dev/token` hands out tokens for existing users (the web client's demo sign-in). */
  devTokens: boolean;
  /** The dev sign-in may mint `role: "admin"` tokens; only ever on loopback. */
  devAdminTokens: boolean;
}

/** The variables these rules read, as the schema in config.ts validated them. */
export interface AuthEnv {
  NODE_ENV: 'development' | 'production' | 'test';
  HOST?: string;
  JWT_SECRET?: string;
  JWT_SECRET_PREVIOUS?: string;
  JWT_PUBLIC_KEY?: string;
  JWT_JWKS_URL?: string;
  JWT_JWKS_COOLDOWN_MS: number;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  DEV_TOKENS?: 'true' | 'false';
  DEV_ADMIN_TOKENS?: 'true' | 'false';
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIPv4(v4) && v4.split('.')[0] === '127';
}

export function resolveAuth(
  e: AuthEnv,
  mode: 'services' | 'embedded',
): { host: string; auth: AuthConfig; problems: string[] } {
  const problems: string[] = [];
  const publicKey = e.JWT_PUBLIC_KEY ? readPublicKey(e.JWT_PUBLIC_KEY, problems) : undefined;
  const hasKeys = Boolean(e.JWT_PUBLIC_KEY || e.JWT_JWKS_URL);
  const usingDevSecret = !e.JWT_SECRET && !hasKeys;
  // A single process on a laptop listens on loopback unless told otherwise; services mode sits
  // behind a gateway on a network by design.
  const host = e.HOST ?? (mode === 'embedded' ? '127.0.0.1' : '0.0.0.0');
  const loopback = isLoopback(host);

  if (usingDevSecret && mode === 'services') {
    problems.push(
      'JWT_SECRET: services mode needs a secret of its own (or JWT_PUBLIC_KEY / JWT_JWKS_URL for an identity provider); ' +
        `the development secret is public. Make one with: ${MAKE_A_SECRET}`,
    );
  } else if (usingDevSecret && e.NODE_ENV === 'production') {
    problems.push(`JWT_SECRET: is required when NODE_ENV=production. Make one with: ${MAKE_A_SECRET}`);
  } else if (usingDevSecret && !loopback) {
    problems.push(
      `HOST: ${host} is reachable from other machines, and without JWT_SECRET the server trusts the public development ` +
        `secret, so anyone there could sign in as anyone. Set JWT_SECRET (make one with: ${MAKE_A_SECRET}) or listen on 127.0.0.1`,
    );
  }
  if (e.JWT_SECRET_PREVIOUS && !e.JWT_SECRET) {
    problems.push('JWT_SECRET_PREVIOUS: only means something next to a new JWT_SECRET (during a rotation)');
  }
  if (e.JWT_SECRET_PREVIOUS && e.JWT_SECRET_PREVIOUS === e.JWT_SECRET) {
    problems.push('JWT_SECRET_PREVIOUS: is the same as JWT_SECRET');
  }
  if (e.JWT_PUBLIC_KEY && e.JWT_JWKS_URL) {
    problems.push(
      'JWT_PUBLIC_KEY, JWT_JWKS_URL: set one of them (a fixed key, or the key set of an identity provider)',
    );
  }

  const jwtSecret = e.JWT_SECRET ?? (usingDevSecret ? DEV_JWT_SECRET : undefined);
  // The demo sign-in hands out tokens for anyone: by default only where nobody else can reach it.
  const devTokens =
    e.DEV_TOKENS === undefined
      ? mode === 'embedded' && e.NODE_ENV !== 'production' && loopback && jwtSecret !== undefined
      : e.DEV_TOKENS === 'true';
  if (devTokens && !jwtSecret) {
    problems.push(
      'DEV_TOKENS: dev tokens are signed with JWT_SECRET, which is not set (only public keys are); set it or DEV_TOKENS=false',
    );
  }
  const devAdminTokens = e.DEV_ADMIN_TOKENS === 'true';
  if (devAdminTokens && !devTokens) problems.push('DEV_ADMIN_TOKENS: needs DEV_TOKENS on');
  if (devAdminTokens && !loopback) {
    problems.push(
      `DEV_ADMIN_TOKENS: admin tokens from the dev sign-in are only allowed on loopback (HOST=127.0.0.1), not on ${host}`,
    );
  }

  return {
    host,
    problems,
    auth: {
      jwtSecret,
      previousSecret: e.JWT_SECRET_PREVIOUS,
      publicKey,
      jwks: e.JWT_JWKS_URL ? { url: e.JWT_JWKS_URL, cooldownMs: e.JWT_JWKS_COOLDOWN_MS } : undefined,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      usingDevSecret,
      devTokens,
      devAdminTokens,
    },
  };
}

/** The key's type decides its one algorithm, so a token cannot pick a weaker one. */
function readPublicKey(raw: string, problems: string[]): AuthConfig['publicKey'] {
  // Env files and container settings often carry a PEM on one line with literal `\n`s.
  const pem = raw.includes('\\n') ? raw.replace(/\\n/g, '\n') : raw;
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType === 'rsa') return { pem, alg: 'RS256' };
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
      return { pem, alg: 'ES256' };
    problems.push(
      `JWT_PUBLIC_KEY: an RSA key (RS256) or a P-256 EC key (ES256) is needed, not ${key.asymmetricKeyType ?? 'this key'}`,
    );
  } catch {
    problems.push('JWT_PUBLIC_KEY: is not a PEM public key (-----BEGIN PUBLIC KEY-----)');
  }
  return undefined;
}
