import jwt from 'jsonwebtoken';
import { loadConfig } from '../config/config';
import { InvalidTokenError, mintToken, TokenService } from './token.service';

const secret = 'unit-secret-0123456789-0123456789-xyz';
const tokens = new TokenService(loadConfig({ JWT_SECRET: secret }));
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('TokenService', () => {
  it('accepts an HS256 token and reads sub and name', () => {
    expect(tokens.verify(mintToken(secret, { userId: '7', name: 'Ada' }))).toEqual({ userId: '7', name: 'Ada' });
  });

  it('defaults the name from sub', () => {
    const t = jwt.sign({}, secret, { subject: '8', expiresIn: 60, algorithm: 'HS256' });
    expect(tokens.verify(t)).toEqual({ userId: '8', name: 'user8' });
  });

  it.each([
    ['wrong signature', () => mintToken('another-secret-0123456789-0123456789', { userId: '1', name: 'x' })],
    ['expired', () => jwt.sign({ name: 'x', exp: Math.floor(Date.now() / 1000) - 10 }, secret, { subject: '1' })],
    ['no exp', () => jwt.sign({ name: 'x' }, secret, { subject: '1' })],
    ['no sub', () => jwt.sign({ name: 'x' }, secret, { expiresIn: 60 })],
    ['bad sub', () => jwt.sign({ name: 'x' }, secret, { subject: 'has space', expiresIn: 60 })],
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: '1', exp: Math.floor(Date.now() / 1000) + 60 })}.`],
    ['HS512', () => jwt.sign({ name: 'x' }, secret, { subject: '1', expiresIn: 60, algorithm: 'HS512' })],
    ['garbage', () => 'not-a-jwt'],
  ])('refuses a token with %s', (_label, make) => {
    expect(() => tokens.verify(make())).toThrow(InvalidTokenError);
  });
});
