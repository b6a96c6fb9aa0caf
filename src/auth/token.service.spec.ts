import { exportSPKI, generateKeyPair, type JWTPayload, type KeyLike, SignJWT } from 'jose';
import { loadConfig } from '../config/config';
import { mintToken, MintingUnavailableError } from './mint';
import { InvalidTokenError, TokenService } from './token.service';

const secret = 'unit-secret-0123456789-0123456789-xyz';
const previous = 'old-secret-0123456789-0123456789-abcd';
const tokens = new TokenService(loadConfig({ JWT_SECRET: secret }));
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with jose, as an identity provider would; `exp` in a minute unless given. */
function sign(claims: JWTPayload, key: KeyLike | Uint8Array, alg: string, kid?: string): Promise<string> {
  return new SignJWT({ exp: now() + 60, ...claims })
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
    .sign(key);
}
const hs = (claims: JWTPayload, key = secret, alg = 'HS256') => sign(claims, new TextEncoder().encode(key), alg);

describe('TokenService: HS256 with JWT_SECRET', () => {
  it('accepts an HS256 token and reads sub and name', async () => {
    await expect(tokens.verify(mintToken(secret, { userId: '7', name: 'Ada' }))).resolves.toEqual({
      userId: '7',
      name: 'Ada',
      expiresAt: expect.any(Number),
    });
  });

  it('defaults the name from sub', async () => {
    await expect(tokens.verify(await hs({ sub: '8' }))).resolves.toEqual({
      userId: '8',
      name: 'user8',
      expiresAt: expect.any(Number),
    });
  });

  it("reads the original server's claims: idx (a number or a string) as the user id, nickname as the name", async () => {
    await expect(tokens.verify(await hs({ idx: 3, nickname: 'Kim' }))).resolves.toEqual({
      userId: '3',
      name: 'Kim',
      expiresAt: expect.any(Number),
    });
    await expect(tokens.verify(await hs({ idx: '4' }))).resolves.toMatchObject({ userId: '4', name: 'user4' });
  });

  it('prefers sub and name to idx and nickname when a token carries both', async () => {
    await expect(
      tokens.verify(await hs({ sub: '5', idx: 6, name: 'Ours', nickname: 'Theirs' })),
    ).resolves.toMatchObject({ userId: '5', name: 'Ours' });
  });

  it('carries role "admin" when the token says so, and nothing for other roles', async () => {
    await expect(tokens.verify(mintToken(secret, { userId: '1', name: 'x', role: 'admin' }))).resolves.toEqual({
      userId: '1',
      name: 'x',
      role: 'admin',
      expiresAt: expect.any(Number),
    });
    expect(await tokens.verify(await hs({ sub: '1', role: 'owner' }))).not.toHaveProperty('role');
  });

  it.each([
    ['wrong signature', () => mintToken('another-secret-0123456789-0123456789', { userId: '1', name: 'x' })],
    ['expired', () => hs({ sub: '1', exp: now() - 10 })],
    [
      'no exp',
      () => new SignJWT({ sub: '1' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret)),
    ],
    ['no sub', () => hs({ name: 'x' })],
    ['bad sub', () => hs({ sub: 'has space' })],
    ['bad idx', () => hs({ idx: 'has space' })],
    ['negative idx', () => hs({ idx: -1 })],
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: '1', exp: now() + 60 })}.`],
    ['HS512', () => hs({ sub: '1' }, secret, 'HS512')],
    ['garbage', () => 'not-a-jwt'],
  ])('refuses a token with %s', async (_label, make) => {
    await expect(tokens.verify(await make())).rejects.toThrow(InvalidTokenError);
  });
});

describe('TokenService: rotation with JWT_SECRET_PREVIOUS', () => {
  const rotating = new TokenService(loadConfig({ JWT_SECRET: secret, JWT_SECRET_PREVIOUS: previous }));

  it('accepts tokens of the new and of the previous secret, and mints with the new one', async () => {
    await expect(rotating.verify(mintToken(secret, { userId: '1', name: 'new' }))).resolves.toMatchObject({
      name: 'new',
    });
    await expect(rotating.verify(mintToken(previous, { userId: '2', name: 'old' }))).resolves.toMatchObject({
      name: 'old',
    });
    await expect(tokens.verify(rotating.mint({ userId: '3', name: 'x' }))).resolves.toMatchObject({ userId: '3' });
  });

  it('refuses a third secret, and an expired token of the previous one', async () => {
    await expect(
      rotating.verify(mintToken('a-third-secret-0123456789-0123456789', { userId: '1', name: 'x' })),
    ).rejects.toThrow(InvalidTokenError);
    await expect(rotating.verify(await hs({ sub: '1', exp: now() - 10 }, previous))).rejects.toThrow(/exp/);
  });
});

describe('TokenService: RS256 and ES256 with JWT_PUBLIC_KEY', () => {
  let rsa: { publicKey: KeyLike; privateKey: KeyLike };
  let ec: { publicKey: KeyLike; privateKey: KeyLike };
  let rsaService: TokenService;
  let ecService: TokenService;
  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    rsaService = new TokenService(loadConfig({ JWT_PUBLIC_KEY: await exportSPKI(rsa.publicKey) }));
    ecService = new TokenService(loadConfig({ JWT_PUBLIC_KEY: await exportSPKI(ec.publicKey) }));
  });

  it('accepts tokens signed by the matching private key', async () => {
    await expect(rsaService.verify(await sign({ sub: '5', name: 'Rita' }, rsa.privateKey, 'RS256'))).resolves.toEqual({
      userId: '5',
      name: 'Rita',
      expiresAt: expect.any(Number),
    });
    await expect(ecService.verify(await sign({ sub: '6', name: 'Eli' }, ec.privateKey, 'ES256'))).resolves.toEqual({
      userId: '6',
      name: 'Eli',
      expiresAt: expect.any(Number),
    });
  });

  it('refuses another key, another algorithm, and HS256 tokens (there is no secret)', async () => {
    const other = await generateKeyPair('RS256');
    await expect(rsaService.verify(await sign({ sub: '5' }, other.privateKey, 'RS256'))).rejects.toThrow(
      InvalidTokenError,
    );
    await expect(rsaService.verify(await sign({ sub: '6' }, ec.privateKey, 'ES256'))).rejects.toThrow(
      /algorithm ES256/,
    );
    await expect(ecService.verify(await sign({ sub: '5' }, rsa.privateKey, 'RS256'))).rejects.toThrow(
      /algorithm RS256/,
    );
    await expect(rsaService.verify(mintToken(secret, { userId: '1', name: 'x' }))).rejects.toThrow(/algorithm HS256/);
    await expect(rsaService.verify(`${b64({ alg: 'none' })}.${b64({ sub: '1', exp: now() + 60 })}.`)).rejects.toThrow(
      InvalidTokenError,
    );
  });

  it('cannot mint: that needs JWT_SECRET', () => {
    expect(() => rsaService.mint({ userId: '1', name: 'x' })).toThrow(MintingUnavailableError);
  });
});

describe('TokenService: JWT_ISSUER and JWT_AUDIENCE', () => {
  const strict = new TokenService(
    loadConfig({ JWT_SECRET: secret, JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'myroom' }),
  );

  it('accepts the configured issuer and audience', async () => {
    await expect(
      strict.verify(await hs({ sub: '1', iss: 'https://id.example', aud: 'myroom' })),
    ).resolves.toMatchObject({ userId: '1' });
    await expect(
      strict.verify(await hs({ sub: '1', iss: 'https://id.example', aud: ['other', 'myroom'] })),
    ).resolves.toMatchObject({ userId: '1' });
  });

  it.each([
    ['another issuer', { iss: 'https://evil.example', aud: 'myroom' }],
    ['no issuer', { aud: 'myroom' }],
    ['another audience', { iss: 'https://id.example', aud: 'another-app' }],
    ['no audience', { iss: 'https://id.example' }],
  ])('refuses %s', async (_label, claims) => {
    await expect(strict.verify(await hs({ sub: '1', ...claims }))).rejects.toThrow(InvalidTokenError);
  });
});
