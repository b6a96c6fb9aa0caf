import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type KeyLike, SignJWT } from 'jose';
import { startServer, type RunningServer } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/logging/logger';
import { HandshakeRefused, TestClient } from '../support/client';
import { enter } from '../support/room';
import { createTestEnv, type TestEnv, testServerEnv } from '../support/server';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyLike;
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** An identity provider's key set on loopback: serves whichever keys the test publishes, counting fetches. */
class JwksServer {
  keys: SigningKey[] = [];
  fetches = 0;
  private readonly server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    this.fetches++;
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ keys: this.keys.map((k) => k.jwk) }));
  });

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/**
 * Tokens of an identity provider (RS256 and ES256, found by `kid` in a JWKS served over HTTP) open
 * the WebSocket and the API of a services-mode server that has no JWT_SECRET at all.
 */
describe('identity provider: JWT_JWKS_URL', () => {
  const jwks = new JwksServer();
  let issuer: string;
  let env: TestEnv;
  let server: RunningServer;
  let wsUrl: string;
  let rsa1: SigningKey;
  let ec1: SigningKey;
  let rsa2: SigningKey;

  beforeAll(async () => {
    [rsa1, ec1, rsa2] = await Promise.all([
      signingKey('rsa-1', 'RS256'),
      signingKey('ec-1', 'ES256'),
      signingKey('rsa-2', 'RS256'),
    ]);
    jwks.keys = [rsa1, ec1];
    issuer = await jwks.listen();
    env = await createTestEnv('services');
    const vars = testServerEnv(env, {
      JWT_JWKS_URL: `${issuer}/.well-known/jwks.json`,
      // Refetch at once on an unknown kid (30 s by default keeps a flood of made-up kids off the provider).
      JWT_JWKS_COOLDOWN_MS: '0',
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: 'myroom',
    });
    delete vars.JWT_SECRET;
    delete vars.DEV_TOKENS;
    const config = loadConfig(vars);
    expect(config.auth).toMatchObject({ jwtSecret: undefined, usingDevSecret: false, devTokens: false });
    server = await startServer(config, createLogger(config.logLevel, config.instanceId));
    wsUrl = `ws://127.0.0.1:${server.port}/ws`;
  });

  afterAll(async () => {
    await server?.shutdown();
    await env?.dropAll();
    await jwks.close();
  });

  /** A token of `key` for `sub`, from this provider for this server, unless `claims` say otherwise. */
  const token = (
    key: { alg: string; kid: string; privateKey: KeyLike | Uint8Array },
    sub: string,
    claims: Record<string, unknown> = {},
  ) =>
    new SignJWT({
      sub,
      name: `idp${sub}`,
      iss: issuer,
      aud: 'myroom',
      exp: Math.floor(Date.now() / 1000) + 300,
      ...claims,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);

  async function refusal(jwt: string): Promise<number> {
    try {
      await (await TestClient.connect(wsUrl, jwt)).close();
    } catch (err) {
      if (err instanceof HandshakeRefused) return err.status;
      throw err;
    }
    throw new Error('the handshake was accepted');
  }

  it('accepts RS256 and ES256 tokens signed with published keys, fetching the set once', async () => {
    for (const [key, sub] of [
      [rsa1, '201'],
      [ec1, '202'],
    ] as const) {
      const client = await TestClient.connect(wsUrl, await token(key, sub));
      const welcome = await enter(client, sub);
      expect(welcome.you).toMatchObject({ userId: sub, role: 'player' });
      await client.close();
    }
    expect(jwks.fetches).toBe(1);
  });

  it('opens the HTTP API with the same tokens', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/me`, {
      headers: { Authorization: `Bearer ${await token(ec1, '202')}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { userId: '202', name: 'idp202' } });
  });

  it('refuses tokens for another audience or issuer, HS256 tokens, and a key the provider never published (401)', async () => {
    const before = jwks.fetches;
    expect(await refusal(await token(rsa1, '203', { aud: 'another-app' }))).toBe(401);
    expect(await refusal(await token(rsa1, '203', { iss: 'http://elsewhere.example' }))).toBe(401);
    expect(
      await refusal(
        await token({ alg: 'HS256', kid: 'rsa-1', privateKey: new TextEncoder().encode('x'.repeat(40)) }, '203'),
      ),
    ).toBe(401);
    // A published kid with someone else's key: the signature does not match.
    const impostor = { ...(await signingKey('rsa-1', 'RS256')) };
    expect(await refusal(await token(impostor, '203'))).toBe(401);
    // An unknown kid makes the server look at the set again, and still find nothing.
    expect(await refusal(await token({ ...impostor, kid: 'rogue' }, '203'))).toBe(401);
    expect(jwks.fetches).toBe(before + 1);
  });

  it('after the provider rotates its keys, a token with the new kid is accepted and the retired key is not', async () => {
    jwks.keys = [rsa2, ec1];
    const before = jwks.fetches;
    const client = await TestClient.connect(wsUrl, await token(rsa2, '204'));
    expect((await enter(client, '204')).you.userId).toBe('204');
    await client.close();
    expect(jwks.fetches).toBe(before + 1);
    expect(await refusal(await token(rsa1, '205'))).toBe(401);
  });

  it('answers 503 when the provider cannot be reached for a key it has not seen yet, and keeps accepting known keys', async () => {
    await jwks.close();
    const unseen = await signingKey('rsa-3', 'RS256');
    expect(await refusal(await token(unseen, '206'))).toBe(503);
    const client = await TestClient.connect(wsUrl, await token(ec1, '206'));
    expect(client.isOpen).toBe(true);
    await client.close();
  });
});
