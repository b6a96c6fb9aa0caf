import type { IncomingMessage } from 'node:http';
import { originAllowed, selectProtocol, tokenFromRequest } from './handshake';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('handshake token and subprotocol', () => {
  it('reads the Authorization bearer header', () => {
    expect(tokenFromRequest(req({ authorization: 'Bearer abc.def.ghi' }))).toBe('abc.def.ghi');
    expect(tokenFromRequest(req({ authorization: 'bearer abc' }))).toBe('abc');
  });

  it('refuses other Authorization schemes rather than falling back', () => {
    expect(
      tokenFromRequest(req({ authorization: 'Basic Zm9vOmJhcg==', 'sec-websocket-protocol': 'myroom.v1, bearer.x' })),
    ).toBeUndefined();
  });

  it('reads the bearer subprotocol only next to myroom.v1', () => {
    expect(tokenFromRequest(req({ 'sec-websocket-protocol': 'myroom.v1, bearer.tok' }))).toBe('tok');
    expect(tokenFromRequest(req({ 'sec-websocket-protocol': 'bearer.tok' }))).toBeUndefined();
    expect(tokenFromRequest(req({ 'sec-websocket-protocol': 'myroom.v1' }))).toBeUndefined();
    expect(tokenFromRequest(req({}))).toBeUndefined();
  });

  it('selects myroom.v1 and never the token', () => {
    expect(selectProtocol(new Set(['bearer.secret', 'myroom.v1']))).toBe('myroom.v1');
    expect(selectProtocol(new Set(['bearer.secret']))).toBe(false);
  });

  it('picks the batched variant only when offered together with myroom.v1', () => {
    expect(selectProtocol(new Set(['myroom.v1.batch', 'myroom.v1', 'bearer.secret']))).toBe('myroom.v1.batch');
    expect(selectProtocol(new Set(['myroom.v1', 'myroom.v1.batch']))).toBe('myroom.v1.batch');
    expect(selectProtocol(new Set(['myroom.v1.batch', 'bearer.secret']))).toBe(false);
  });

  it('picks MessagePack when offered, alone or beside myroom.v1, batched when its batched variant is offered', () => {
    expect(selectProtocol(new Set(['myroom.v1.msgpack', 'bearer.secret']))).toBe('myroom.v1.msgpack');
    expect(selectProtocol(new Set(['myroom.v1', 'myroom.v1.msgpack']))).toBe('myroom.v1.msgpack');
    expect(selectProtocol(new Set(['myroom.v1.msgpack', 'myroom.v1.batch', 'myroom.v1']))).toBe('myroom.v1.msgpack');
    expect(selectProtocol(new Set(['myroom.v1.msgpack.batch', 'myroom.v1.msgpack']))).toBe('myroom.v1.msgpack.batch');
    expect(selectProtocol(new Set(['myroom.v1.msgpack.batch']))).toBe('myroom.v1.msgpack.batch');
  });

  it('takes the bearer token beside any subprotocol it would select', () => {
    expect(tokenFromRequest(req({ 'sec-websocket-protocol': 'myroom.v1.msgpack, bearer.tok' }))).toBe('tok');
    expect(tokenFromRequest(req({ 'sec-websocket-protocol': 'bearer.tok, myroom.v1.msgpack.batch' }))).toBe('tok');
    expect(tokenFromRequest(req({ 'sec-websocket-protocol': 'myroom.v1.batch, bearer.tok' }))).toBeUndefined();
    expect(tokenFromRequest(req({ 'sec-websocket-protocol': 'myroom.v2, bearer.tok' }))).toBeUndefined();
  });

  it('checks Origin only when an allow-list is configured', () => {
    expect(originAllowed(req({ origin: 'https://evil.example' }), [])).toBe(true);
    expect(originAllowed(req({ origin: 'https://evil.example' }), ['https://good.example'])).toBe(false);
    expect(originAllowed(req({ origin: 'https://good.example' }), ['https://good.example'])).toBe(true);
    expect(originAllowed(req({}), ['https://good.example'])).toBe(true);
  });
});
