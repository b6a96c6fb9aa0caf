import { createHmac } from 'node:crypto';
import { HandshakeRefused, TestClient } from '../support/client';
import { describeEachMode } from '../support/modes';
import { enter, memberOf } from '../support/room';
import { TEST_JWT_SECRET, type TestServer } from '../support/server';

const ALLOWED = 'https://myroom.example';
const now = () => Math.floor(Date.now() / 1000);
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JWT signed by hand, so that each case can set exactly the header and claims it is about. */
function sign(claims: object, secret = TEST_JWT_SECRET, alg: 'HS256' | 'HS512' = 'HS256'): string {
  const input = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}`;
  return `${input}.${createHmac(alg === 'HS256' ? 'sha256' : 'sha512', secret)
    .update(input)
    .digest('base64url')}`;
}

/** Resolves with the HTTP status the handshake was refused with (fails if it was accepted). */
async function refusal(connecting: Promise<TestClient>): Promise<number> {
  try {
    const client = await connecting;
    await client.close();
  } catch (err) {
    if (err instanceof HandshakeRefused) return err.status;
    throw err;
  }
  throw new Error('the handshake was accepted');
}

describeEachMode('handshake', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start({ ALLOWED_ORIGINS: `${ALLOWED}, https://other.example` });
  });
  afterAll(async () => {
    await server.close();
  });

  describe('a valid token is accepted', () => {
    it("from the Authorization header: the socket speaks as the token's subject and name", async () => {
      const client = await TestClient.connect(server.wsUrl, sign({ sub: '101', name: 'Ada', exp: now() + 60 }));
      const welcome = await enter(client, '101');
      expect(welcome.you).toMatchObject({ userId: '101', role: 'player' });
      expect(memberOf(welcome.members, '101')).toMatchObject({ name: 'Ada' });
      await client.close();
    });

    it('from the subprotocols `myroom.v1, bearer.<jwt>`: the server selects myroom.v1 and never echoes the token', async () => {
      const token = server.token(102, 'Grace');
      const client = await TestClient.connect(server.wsUrl, undefined, { protocols: ['myroom.v1', `bearer.${token}`] });
      expect(client.protocol).toBe('myroom.v1');
      expect(client.upgradeHeaders['sec-websocket-protocol']).toBe('myroom.v1');
      for (const value of Object.values(client.upgradeHeaders)) expect(String(value)).not.toContain(token);
      const welcome = await enter(client, '102');
      expect(welcome.you.userId).toBe('102');
      await client.close();
    });

    it('also when the token comes second after other offered values', async () => {
      const token = server.token(103);
      const client = await TestClient.connect(server.wsUrl, undefined, { protocols: [`bearer.${token}`, 'myroom.v1'] });
      expect(client.protocol).toBe('myroom.v1');
      await client.close();
    });
  });

  describe('HTTP 401 and no socket', () => {
    const claims = () => ({ sub: '104', name: 'Eve', exp: now() + 60 });

    it.each<[string, () => Record<string, string>]>([
      ['no token at all', () => ({})],
      ['an Authorization header that is not Bearer', () => ({ Authorization: 'Basic dXNlcjpwYXNz' })],
      ['a token that is not a JWT', () => ({ Authorization: 'Bearer not-a-jwt' })],
      ['an expired token', () => ({ Authorization: `Bearer ${sign({ ...claims(), exp: now() - 60 })}` })],
      [
        'a token signed with another secret',
        () => ({ Authorization: `Bearer ${sign(claims(), 'another-secret-0123456789-0123456789-xyz')}` }),
      ],
      [
        'a token with a forged payload',
        () => {
          const [h, , s] = sign(claims()).split('.');
          return { Authorization: `Bearer ${h}.${b64url({ ...claims(), sub: '1' })}.${s}` };
        },
      ],
      [
        'an unsigned token (alg: none)',
        () => ({ Authorization: `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.` }),
      ],
      [
        'a token of another algorithm (HS512) with the right secret',
        () => ({ Authorization: `Bearer ${sign(claims(), TEST_JWT_SECRET, 'HS512')}` }),
      ],
      ['a token without `sub`', () => ({ Authorization: `Bearer ${sign({ name: 'Eve', exp: now() + 60 })}` })],
    ])('%s', async (_what, headers) => {
      expect(await refusal(TestClient.connect(server.wsUrl, undefined, { headers: headers() }))).toBe(401);
    });

    it('a bad token offered as a subprotocol', async () => {
      const token = sign({ sub: '104', exp: now() + 60 }, 'another-secret-0123456789-0123456789-xyz');
      expect(
        await refusal(TestClient.connect(server.wsUrl, undefined, { protocols: ['myroom.v1', `bearer.${token}`] })),
      ).toBe(401);
    });
  });

  describe('Origin allow-list', () => {
    it('a disallowed Origin gets HTTP 403, even with a valid token', async () => {
      const connecting = TestClient.connect(server.wsUrl, server.token(105), {
        headers: { Origin: 'https://evil.example' },
      });
      expect(await refusal(connecting)).toBe(403);
    });

    it('an allowed Origin passes', async () => {
      for (const origin of [ALLOWED, 'https://other.example']) {
        const client = await TestClient.connect(server.wsUrl, server.token(105), { headers: { Origin: origin } });
        expect((await enter(client, '105')).you.userId).toBe('105');
        await client.close();
      }
    });

    it('a client that sends no Origin (not a browser) passes', async () => {
      const client = await TestClient.connect(server.wsUrl, server.token(106));
      expect(client.isOpen).toBe(true);
      await client.close();
    });
  });
});
