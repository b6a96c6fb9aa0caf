import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { DEV_JWT_SECRET, isLoopback } from './auth-config';
import { ConfigError, loadConfig } from './config';

const services = { REDIS_URL: 'redis://127.0.0.1:6379', MYSQL_URL: 'mysql://root@127.0.0.1:3306/myroom' };
const secret = 's'.repeat(40);
const generate = generateKeyPairSync as (type: string, options: object) => { publicKey: KeyObject };
const pem = (type: 'rsa' | 'ec' | 'ed25519', namedCurve?: string) =>
  generate(type, { modulusLength: 2048, namedCurve }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('no public secret on a network', () => {
  it('services mode refuses to start without a secret or key, whatever NODE_ENV says, and says how to make one', () => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      const msg = problems({ ...services, NODE_ENV });
      expect(msg).toMatch(/JWT_SECRET: services mode needs a secret/);
      expect(msg).toContain(`require('crypto').randomBytes(48).toString('base64url')`);
    }
  });

  it('services mode starts with JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL, and listens on every interface by default', () => {
    expect(loadConfig({ ...services, JWT_SECRET: secret })).toMatchObject({
      host: '0.0.0.0',
      auth: { usingDevSecret: false, jwtSecret: secret },
    });
    expect(loadConfig({ ...services, JWT_PUBLIC_KEY: pem('rsa') }).auth).toMatchObject({
      jwtSecret: undefined,
      publicKey: { alg: 'RS256' },
    });
    expect(loadConfig({ ...services, JWT_JWKS_URL: 'https://id.example/jwks.json' }).auth.jwks).toEqual({
      url: 'https://id.example/jwks.json',
      cooldownMs: 30_000,
    });
  });

  it('embedded mode without a secret uses the development secret on 127.0.0.1', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      auth: { usingDevSecret: true, jwtSecret: DEV_JWT_SECRET, devTokens: true },
    });
    expect(loadConfig({ HOST: '::1' }).host).toBe('::1');
    expect(loadConfig({ HOST: 'localhost' }).host).toBe('localhost');
  });

  it('refuses the development secret on an address other machines can reach', () => {
    for (const HOST of ['0.0.0.0', '::', '192.168.1.20', 'myroom.example']) {
      expect(problems({ HOST })).toMatch(
        new RegExp(`HOST: ${HOST.replace(/\./g, '\\.')} is reachable from other machines.*Set JWT_SECRET`),
      );
    }
    expect(loadConfig({ HOST: '0.0.0.0', JWT_SECRET: secret }).host).toBe('0.0.0.0');
  });

  it('embedded mode in production needs a secret too', () => {
    expect(problems({ NODE_ENV: 'production' })).toMatch(/JWT_SECRET: is required when NODE_ENV=production/);
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])
      expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.example', '', '::ffff:10.0.0.1'])
      expect(isLoopback(h)).toBe(false);
  });
});

describe('DEV_TOKENS and DEV_ADMIN_TOKENS', () => {
  const devTokens = (env: Record<string, string>) => loadConfig(env).auth.devTokens;

  it('is on by default only in embedded mode, on loopback, outside production', () => {
    expect(devTokens({})).toBe(true);
    expect(devTokens({ JWT_SECRET: secret })).toBe(true);
    expect(devTokens({ JWT_SECRET: secret, HOST: '0.0.0.0' })).toBe(false);
    expect(devTokens({ JWT_SECRET: secret, NODE_ENV: 'production' })).toBe(false);
    expect(devTokens({ ...services, JWT_SECRET: secret, HOST: '127.0.0.1' })).toBe(false);
  });

  it('can be turned on or off explicitly, and needs a secret to sign with', () => {
    expect(devTokens({ ...services, JWT_SECRET: secret, DEV_TOKENS: 'true' })).toBe(true);
    expect(devTokens({ DEV_TOKENS: 'false' })).toBe(false);
    expect(problems({ ...services, JWT_JWKS_URL: 'https://id.example/jwks', DEV_TOKENS: 'true' })).toMatch(
      /DEV_TOKENS: dev tokens are signed with JWT_SECRET/,
    );
    expect(problems({ DEV_TOKENS: 'yes' })).toMatch(/DEV_TOKENS/);
  });

  it('mints admin tokens only when DEV_ADMIN_TOKENS is on, with the dev sign-in, on loopback', () => {
    expect(loadConfig({}).auth.devAdminTokens).toBe(false);
    expect(loadConfig({ DEV_ADMIN_TOKENS: 'true' }).auth.devAdminTokens).toBe(true);
    expect(
      loadConfig({ ...services, JWT_SECRET: secret, HOST: '127.0.0.1', DEV_TOKENS: 'true', DEV_ADMIN_TOKENS: 'true' })
        .auth.devAdminTokens,
    ).toBe(true);
    expect(problems({ ...services, JWT_SECRET: secret, DEV_TOKENS: 'true', DEV_ADMIN_TOKENS: 'true' })).toMatch(
      /DEV_ADMIN_TOKENS: .*only allowed on loopback/,
    );
    expect(problems({ JWT_SECRET: secret, HOST: '0.0.0.0', DEV_TOKENS: 'true', DEV_ADMIN_TOKENS: 'true' })).toMatch(
      /only allowed on loopback/,
    );
    expect(problems({ DEV_TOKENS: 'false', DEV_ADMIN_TOKENS: 'true' })).toMatch(
      /DEV_ADMIN_TOKENS: needs DEV_TOKENS on/,
    );
  });
});

describe('identity provider settings', () => {
  it('reads an RSA or P-256 public key (also with literal \\n), and names its algorithm', () => {
    expect(loadConfig({ JWT_PUBLIC_KEY: pem('ec', 'prime256v1') }).auth.publicKey?.alg).toBe('ES256');
    const oneLine = pem('rsa').replace(/\n/g, '\\n');
    expect(loadConfig({ JWT_PUBLIC_KEY: oneLine }).auth.publicKey?.alg).toBe('RS256');
  });

  it('refuses keys it cannot use and two providers at once', () => {
    expect(problems({ JWT_PUBLIC_KEY: 'not a key' })).toMatch(/JWT_PUBLIC_KEY: is not a PEM public key/);
    expect(problems({ JWT_PUBLIC_KEY: pem('ed25519') })).toMatch(/JWT_PUBLIC_KEY: an RSA key/);
    expect(problems({ JWT_PUBLIC_KEY: pem('ec', 'secp384r1') })).toMatch(/JWT_PUBLIC_KEY: an RSA key/);
    expect(problems({ JWT_PUBLIC_KEY: pem('rsa'), JWT_JWKS_URL: 'https://id.example/jwks' })).toMatch(
      /set one of them/,
    );
    expect(problems({ JWT_JWKS_URL: 'ftp://id.example/jwks' })).toMatch(/JWT_JWKS_URL/);
  });

  it('takes a previous secret only next to a new, different one', () => {
    expect(loadConfig({ JWT_SECRET: secret, JWT_SECRET_PREVIOUS: 'p'.repeat(40) }).auth.previousSecret).toBe(
      'p'.repeat(40),
    );
    expect(problems({ JWT_SECRET_PREVIOUS: 'p'.repeat(40) })).toMatch(/JWT_SECRET_PREVIOUS: only means something/);
    expect(problems({ JWT_SECRET: secret, JWT_SECRET_PREVIOUS: secret })).toMatch(/is the same as JWT_SECRET/);
  });

  it('reads issuer, audience and the body limit', () => {
    const c = loadConfig({
      JWT_SECRET: secret,
      JWT_ISSUER: 'https://id.example',
      JWT_AUDIENCE: 'myroom',
      HTTP_MAX_BODY: '4096',
    });
    expect(c.auth).toMatchObject({ issuer: 'https://id.example', audience: 'myroom' });
    expect(c.http.maxBodyBytes).toBe(4096);
  });
});
