/**
 * One small adapter per server under test. A bot sees every server through `BotConn` and gets
 * called back through `Sink`, with frames read as little as possible: a `moved` frame is only
 * searched for its `seq` and for the bot's own user id, never parsed, because on a 2-core box the
 * bots' own CPU is the first limit. Rare frames (welcome, built, errors) are parsed in full.
 */
import { pack, unpack } from '@colyseus/msgpackr';
import { io as socketIo } from 'socket.io-client';
import WebSocket from 'ws';
import { mintToken } from '../../src/auth/mint';
import { msgpackClientCodec, MyRoomClient, type WebSocketLike } from '../../src/client/node';
import type { BuildOp, Direction, Member, MovedEvent, RoomMap } from '../../src/client/node';
import { withRoomHint } from '../../src/client/room-hint';
import type { TargetInfo } from '../lib/messages';

export interface Welcome {
  seq: number;
  map: RoomMap;
  members: Member[];
}

export interface Sink {
  /**
   * The welcome, called as soon as its frame arrives: events in the same read follow it at once,
   * before any promise continuation could run, so the bot must know its starting seq by then.
   */
  welcome(w: Welcome): void;
  /** `raw` is handed back to `moverOf` only when the bot must know who moved. */
  moved(seq: number, own: boolean, raw: RawMoved): void;
  /** Payload bytes of a frame received (counted for My Room and bare ws: bytes per delivery, by codec). */
  received(bytes: number): void;
  /** entered / left: only their seq matters. */
  event(seq: number): void;
  built(seq: number, map: RoomMap, members: Member[]): void;
  /** An error that answers a move (moves carry no request id). */
  moveError(code: string, x?: number, y?: number): void;
  closed(code: number): void;
}

export interface BotConn {
  enter(roomId: string): Promise<Welcome>;
  sendMove(dir: Direction): void;
  build(baseVersion: number, ops: BuildOp[]): Promise<void>;
  leave(): Promise<void>;
  close(): void;
}

/** A `moved` as the adapter got it: JSON text, Colyseus bytes, or a decoded MessagePack map. */
export type RawMoved = string | Buffer | MovedEvent;

export interface Adapter {
  /** `roomId`: the room the bot is about to enter (My Room names it in the URL when the target asks). */
  connect(userId: string, sink: Sink, roomId: string): Promise<BotConn>;
  moverOf(raw: RawMoved): string;
}

export function adapterFor(target: TargetInfo): Adapter {
  const token = (userId: string) => mintToken(target.jwtSecret, { userId, name: userId });
  if (target.kind === 'colyseus') return colyseusAdapter(target.url, token);
  if (target.kind === 'socketio') return socketIoAdapter(target.url, token);
  // Target myroom-batch (bench --batch): the bots take batched frames (the library unpacks them into the same texts).
  const batch = target.kind === 'myroom' && target.batch === true;
  // Behind a gateway with room affinity the bots name their room, as the shipped clients do.
  const urlFor = (roomId: string) => (target.roomHint ? withRoomHint(target.url, roomId) : target.url);
  if (target.codec === 'msgpack') return msgpackAdapter(urlFor, token, batch);
  return jsonAdapter(urlFor, token, batch);
}

/**
 * A My Room client whose socket also counts the payload bytes of every frame it receives. The
 * listener is the socket's own `message` event (payloads as Buffers), beside the library's.
 */
function countingClient(
  url: string,
  token: string,
  batch: boolean,
  sink: Sink,
  codec: 'json' | 'msgpack',
): Promise<MyRoomClient> {
  return MyRoomClient.connect({
    url,
    token,
    requestTimeoutMs: 60_000,
    batch,
    codec,
    wireCodec: codec === 'msgpack' ? msgpackClientCodec : undefined,
    createSocket: (u, protocols) => {
      const ws = new WebSocket(u, protocols, { perMessageDeflate: false });
      // A Buffer, or an ArrayBuffer once the library asks for binaryType 'arraybuffer' (MessagePack).
      ws.on('message', (data: Buffer | ArrayBuffer) => sink.received(data.byteLength));
      return ws as unknown as WebSocketLike;
    },
  });
}

/**
 * My Room over MessagePack (`--codec msgpack`): there is no text to scan, so every frame is
 * decoded by the library and reaches the bot through its typed events.
 */
function msgpackAdapter(url: (roomId: string) => string, token: (userId: string) => string, batch: boolean): Adapter {
  return {
    async connect(userId, sink, roomId) {
      const client = await countingClient(url(roomId), token(userId), batch, sink, 'msgpack');
      client.on('moved', (e) => sink.moved(e.seq, e.userId === userId, e));
      client.on('entered', (e) => sink.event(e.seq));
      client.on('left', (e) => sink.event(e.seq));
      client.on('welcome', (w) => sink.welcome(w));
      client.on('built', (e) => sink.built(e.seq, e.map, e.members));
      client.on('error', (e) => sink.moveError(e.code, e.x as number | undefined, e.y as number | undefined));
      client.on('close', (e) => sink.closed(e.code));
      return {
        enter: (roomId) => client.enter(roomId),
        sendMove: (dir) => client.sendMove(dir),
        build: (baseVersion, ops) => client.build(baseVersion, ops),
        leave: () => client.leave(),
        close: () => client.close(),
      };
    },
    moverOf: (raw) => (raw as MovedEvent).userId,
  };
}

// ---- My Room and the bare-ws limit: PROTOCOL.md JSON frames, through the typed client library ----

function seqOf(text: string): number {
  let i = text.indexOf('"seq":') + 6;
  let n = 0;
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) n = n * 10 + c - 48;
  return n;
}

function jsonAdapter(url: (roomId: string) => string, token: (userId: string) => string, batch = false): Adapter {
  return {
    async connect(userId, sink, roomId) {
      const client = await countingClient(url(roomId), token(userId), batch, sink, 'json');
      const own = `"userId":${JSON.stringify(userId)},`;
      client.onRaw((text) => {
        // Frames start with {"type":"…": the 9th character tells the types apart cheaply.
        if (!text.startsWith('{"type":"')) return;
        switch (text.charCodeAt(9)) {
          case 109: // moved
            sink.moved(seqOf(text), text.includes(own), text);
            return;
          case 108: // left
            sink.event(seqOf(text));
            return;
          case 101: {
            // entered, error
            if (text.charCodeAt(10) === 110) return sink.event(seqOf(text));
            if (text.includes('"id":')) return; // answers a request: the library settles it
            const f = JSON.parse(text) as { code: string; x?: number; y?: number };
            return sink.moveError(f.code, f.x, f.y);
          }
          case 119: // welcome
            return sink.welcome(JSON.parse(text) as Welcome);
          case 98: {
            // built
            const f = JSON.parse(text) as { seq: number; map: RoomMap; members: Member[] };
            return sink.built(f.seq, f.map, f.members);
          }
        }
      });
      client.on('close', (e) => sink.closed(e.code));
      return {
        enter: (roomId) => client.enter(roomId), // the raw handler has already given the welcome to the bot
        sendMove: (dir) => client.sendMove(dir),
        build: (baseVersion, ops) => client.build(baseVersion, ops),
        leave: () => client.leave(),
        close: () => client.close(),
      };
    },
    moverOf: moverOfJson,
  };
}

function moverOfJson(raw: RawMoved): string {
  const text = raw as string;
  const i = text.indexOf('"userId":"') + 10;
  return text.slice(i, text.indexOf('"', i));
}

// ---- Colyseus 0.16: HTTP matchmaking, then binary frames (protocol byte, type, msgpack body) ----

const JOIN_ROOM = 10;
const ERROR = 11;
const LEAVE_ROOM = 12;
const ROOM_DATA = 13;

function fixstr(s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([0xa0 | b.length]), b]);
}

function roomData(type: string, body: unknown): Buffer {
  return Buffer.concat([Buffer.from([ROOM_DATA]), fixstr(type), pack(body)]);
}

/** A msgpack unsigned integer at `o`. */
function readUint(b: Buffer, o: number): number {
  const t = b[o];
  if (t < 0x80) return t;
  if (t === 0xcc) return b[o + 1];
  if (t === 0xcd) return b.readUInt16BE(o + 1);
  if (t === 0xce) return b.readUInt32BE(o + 1);
  return Number(unpack(b.subarray(o)));
}

/** The value of the first key of the msgpack map at `p` (our events put `seq` first). */
function firstValueUint(b: Buffer, p: number): number {
  const h = b[p];
  let o = p + (h === 0xde ? 3 : h === 0xdf ? 5 : 1); // map16 / map32 / fixmap header
  o += 1 + (b[o] & 0x1f); // the fixstr key
  return readUint(b, o);
}

const MOVE_FRAMES: Record<Direction, Buffer> = {
  up: roomData('move', { dir: 'up' }),
  right: roomData('move', { dir: 'right' }),
  down: roomData('move', { dir: 'down' }),
  left: roomData('move', { dir: 'left' }),
};

function colyseusAdapter(base: string, token: (userId: string) => string): Adapter {
  const wsBase = base.replace(/^http/, 'ws');
  return {
    async connect(userId, sink) {
      const auth = `Bearer ${token(userId)}`;
      const own = Buffer.concat([fixstr('userId'), fixstr(userId)]);
      let ws: WebSocket | undefined;
      let welcomed: ((w: Welcome) => void) | undefined;
      let nextId = 1;
      const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();

      const onMessage = (buf: Buffer) => {
        const code = buf[0];
        if (code === ROOM_DATA) {
          const len = buf[1] & 0x1f;
          const p = 2 + len;
          const first = buf[2];
          if (first === 109 /* moved */) return sink.moved(firstValueUint(buf, p), buf.indexOf(own, p) >= 0, buf);
          if (first === 108 /* left */ || (first === 101 && len === 7) /* entered */)
            return sink.event(firstValueUint(buf, p));
          const body = unpack(buf.subarray(p)) as Record<string, unknown>;
          if (first === 119 /* welcome */) {
            sink.welcome(body as unknown as Welcome);
            return welcomed?.(body as unknown as Welcome);
          }
          if (first === 98 /* built */)
            return sink.built(body.seq as number, body.map as RoomMap, body.members as Member[]);
          const req = body.id !== undefined ? pending.get(String(body.id)) : undefined;
          if (req) {
            pending.delete(String(body.id));
            return first === 97 /* ack */ ? req.resolve() : req.reject(new Error(String(body.code)));
          }
          if (first === 101 /* error */) sink.moveError(String(body.code), body.x as number, body.y as number);
        } else if (code === JOIN_ROOM) {
          ws!.send(Buffer.from([JOIN_ROOM]));
        } else if (code === ERROR) {
          sink.moveError('COLYSEUS_ERROR');
        }
      };

      const conn: BotConn = {
        async enter(roomId) {
          const res = await fetch(`${base}/matchmake/joinOrCreate/grid`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: auth },
            body: JSON.stringify({ roomKey: roomId }),
          });
          const seat = (await res.json()) as {
            room?: { roomId: string; processId: string };
            sessionId?: string;
            error?: string;
            code?: number;
          };
          if (!seat.room || !seat.sessionId)
            throw new Error(`matchmaking failed: ${seat.code ?? res.status} ${seat.error ?? ''}`);
          const socket = new WebSocket(
            `${wsBase}/${seat.room.processId}/${seat.room.roomId}?sessionId=${seat.sessionId}`,
            { perMessageDeflate: false },
          );
          ws = socket;
          return new Promise<Welcome>((resolve, reject) => {
            welcomed = (w) => {
              welcomed = undefined;
              resolve(w);
            };
            socket.on('message', (data) => onMessage(data as Buffer));
            socket.on('error', (err) => reject(err));
            socket.on('close', (c) => {
              for (const p of pending.values()) p.reject(new Error(`closed (${c})`));
              pending.clear();
              if (welcomed) reject(new Error(`closed before welcome (${c})`));
              if (ws === socket && c !== 4000) sink.closed(c);
            });
          });
        },
        sendMove(dir) {
          ws?.send(MOVE_FRAMES[dir]);
        },
        build(baseVersion, ops) {
          const id = `b${nextId++}`;
          return new Promise<void>((resolve, reject) => {
            pending.set(id, { resolve, reject });
            ws!.send(roomData('build', { id, baseVersion, ops }));
          });
        },
        async leave() {
          const socket = ws;
          if (!socket) return;
          ws = undefined;
          await new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.send(Buffer.from([LEAVE_ROOM]));
          });
        },
        close() {
          ws?.close();
        },
      };
      return conn;
    },
    moverOf(raw) {
      const b = raw as Buffer;
      const key = b.indexOf(fixstr('userId'));
      const len = b[key + 7] & 0x1f;
      return b.toString('utf8', key + 8, key + 8 + len);
    },
  };
}

// ---- Socket.IO 4: the official client, WebSocket transport only; room events read before parsing ----

/**
 * The client's Manager hands every Engine.IO message to `ondata`, which parses it; events are
 * `2["name",{…}]`. The frequent ones (moved, entered, left) are read here as text and never reach
 * the parser; acks and rare events go on to the client as usual. The Manager passes parsed packets
 * on in a microtask (`ondecoded`), which would let the events read here overtake an ack (the
 * welcome) or a `built` that came before them, so it passes them on at once instead.
 */
interface ManagerInternals {
  ondata(data: string): void;
  ondecoded(packet: unknown): void;
  emitReserved(event: 'packet', packet: unknown): void;
}

function socketIoAdapter(url: string, token: (userId: string) => string): Adapter {
  return {
    async connect(userId, sink) {
      const socket = socketIo(url, {
        transports: ['websocket'],
        upgrade: false,
        reconnection: false,
        forceNew: true,
        autoConnect: false,
        auth: { token: token(userId) },
        ackTimeout: 60_000,
      });
      const own = `"userId":${JSON.stringify(userId)},`;
      const manager = socket.io as unknown as ManagerInternals;
      const parse = manager.ondata.bind(manager);
      manager.ondecoded = (packet) => manager.emitReserved('packet', packet);
      manager.ondata = (text) => {
        if (text.charCodeAt(0) === 50 && text.charCodeAt(1) === 91) {
          // 2[ : an event on the main namespace
          switch (text.charCodeAt(3)) {
            case 109: // moved
              return sink.moved(seqOf(text), text.includes(own), text);
            case 101: // entered
            case 108: // left
              return sink.event(seqOf(text));
          }
        }
        parse(text);
      };
      socket.on('built', (f: { seq: number; map: RoomMap; members: Member[] }) => sink.built(f.seq, f.map, f.members));
      socket.on('refused', (f: { code: string; x?: number; y?: number }) => sink.moveError(f.code, f.x, f.y));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
        socket.connect();
      });
      // A fair comparison needs WebSocket frames from the first message on, no long-polling.
      const transport = socket.io.engine.transport.name;
      if (transport !== 'websocket') {
        socket.disconnect();
        throw new Error(`socket.io connected over ${transport}, not websocket`);
      }
      socket.on('disconnect', (reason) => {
        if (reason !== 'io client disconnect') sink.closed(reason === 'io server disconnect' ? 1000 : 1006);
      });
      // `got` runs inside the ack's read, before any promise continuation (see Sink.welcome).
      const request = <T>(event: string, args: unknown[], got?: (reply: T) => void) =>
        new Promise<T>((resolve, reject) => {
          socket.emit(event, ...args, (err: Error | null, reply: T & { error?: string }) => {
            if (err) return reject(err);
            if (reply.error) return reject(new Error(reply.error));
            got?.(reply);
            resolve(reply);
          });
        });
      return {
        enter: (roomId) => request<Welcome>('enter', [{ roomId }], (w) => sink.welcome(w)),
        sendMove: (dir) => void socket.emit('move', dir),
        build: async (baseVersion, ops) => void (await request('build', [{ baseVersion, ops }])),
        leave: async () => void (await request('leave', [])),
        close: () => void socket.disconnect(),
      };
    },
    moverOf: moverOfJson,
  };
}
