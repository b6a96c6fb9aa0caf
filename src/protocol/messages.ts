import { z } from 'zod';
import { DIRECTIONS, type Direction, type MapObject, type RoomMap } from '../domain/map';

/**
 * Wire protocol v1 (see PROTOCOL.md): one schema per client message, validated once at the edge.
 * The TypeScript types are derived from the schemas and shared with the client library.
 */

export const PROTOCOL_SUBPROTOCOL = 'myroom.v1';
/** Offered alongside `myroom.v1`: room events of one server turn arrive as one `batch` frame (PROTOCOL.md). */
export const BATCH_SUBPROTOCOL = 'myroom.v1.batch';
/** Every frame both ways is a binary frame holding one MessagePack map (PROTOCOL.md, "Codecs"). */
export const MSGPACK_SUBPROTOCOL = 'myroom.v1.msgpack';
/** MessagePack, and room events of one server turn as one `batch` frame. */
export const MSGPACK_BATCH_SUBPROTOCOL = 'myroom.v1.msgpack.batch';
// The map's shapes and the directions belong to the domain (src/domain); the wire carries them as they are.
export { DIRECTIONS };
export type { Direction, MapObject, RoomMap };
export const ROLES = ['player', 'spectator'] as const;
export type Role = (typeof ROLES)[number];
export const LEAVE_REASONS = ['leave', 'disconnect', 'timeout', 'replaced', 'kicked'] as const;
export type LeaveReason = (typeof LEAVE_REASONS)[number];

/** Ids of users and rooms: what a JWT `sub` may be. */
export const idString = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:@-]+$/, 'must be 1-64 of A-Z a-z 0-9 _ . : @ -');
const requestId = z.string().max(64).optional();
const cellCoord = z.number().int().min(0).max(10_000);

export const enterSchema = z.object({
  type: z.literal('enter'),
  id: requestId,
  roomId: idString,
  as: z.enum(ROLES).default('player'),
  /**
   * From a seq (in `epoch`, when the client knows it: the `epoch` of its welcome), or from a time
   * (ISO-8601 with an offset or Z): the events after it when the room's log still holds them.
   */
  // One object rather than a union, so that a bad field is named (`resume.seq`), not just `resume`.
  resume: z
    .strictObject({
      seq: z.number().int().min(0).optional(),
      epoch: z.string().min(1).max(64).optional(),
      time: z.iso.datetime({ offset: true }).optional(),
    })
    .superRefine((r, ctx) => {
      if ((r.seq === undefined) === (r.time === undefined))
        ctx.addIssue({ code: 'custom', message: 'give either seq or time', path: ['seq'] });
      else if (r.time !== undefined && r.epoch !== undefined)
        ctx.addIssue({ code: 'custom', message: 'epoch goes with seq, not time', path: ['epoch'] });
    })
    .transform((r): { seq: number; epoch?: string } | { time: string } =>
      r.time !== undefined ? { time: r.time } : { seq: r.seq!, ...(r.epoch !== undefined ? { epoch: r.epoch } : {}) },
    )
    .optional(),
});

export const moveSchema = z.object({
  type: z.literal('move'),
  id: requestId,
  dir: z.enum(DIRECTIONS),
});

export const placeOpSchema = z.object({
  op: z.literal('place'),
  kind: z.string().min(1).max(32),
  x: cellCoord,
  y: cellCoord,
  gameId: z.number().int().positive().optional(),
});
export const removeOpSchema = z.object({
  op: z.literal('remove'),
  objectId: z.string().min(1).max(64),
});
export const buildOpSchema = z.discriminatedUnion('op', [placeOpSchema, removeOpSchema]);

export const MAX_BUILD_OPS = 200;
export const buildSchema = z.object({
  type: z.literal('build'),
  id: requestId,
  baseVersion: z.number().int().min(0),
  ops: z.array(buildOpSchema).min(1).max(MAX_BUILD_OPS),
});

export const leaveSchema = z.object({
  type: z.literal('leave'),
  id: requestId,
});

/** A fresh token for the same user, sent before the current one's `exp` to keep the socket. */
export const refreshSchema = z.object({
  type: z.literal('refresh'),
  id: requestId,
  token: z.string().min(1).max(4096),
});

/** A chat line is at most this many characters (Unicode code points) once trimmed. */
export const MAX_SAY_LENGTH = 500;
/** The length a person counts: code points, so an emoji is one character, not two UTF-16 units. */
export const chatLength = (text: string): number => [...text].length;

/** A chat line from anyone in the room; plain text, never markup. */
export const saySchema = z.object({
  type: z.literal('say'),
  id: requestId,
  text: z
    .string()
    .transform((t) => t.trim())
    .refine((t) => t.length > 0, 'must not be empty once trimmed')
    .refine((t) => chatLength(t) <= MAX_SAY_LENGTH, `must be at most ${MAX_SAY_LENGTH} characters once trimmed`),
});

/** Replay pace: 1 (as it happened) to 16 times as fast. */
export const MAX_REPLAY_SPEED = 16;

/** Watch a room's past from a point (the state right after event `seq`, or as it was at `time`). */
export const replaySchema = z.object({
  type: z.literal('replay'),
  id: requestId,
  roomId: idString,
  from: z.union([
    z.object({ seq: z.number().int().min(0) }).strict(),
    z.object({ time: z.string().datetime({ offset: true }) }).strict(),
  ]),
  speed: z.number().min(1).max(MAX_REPLAY_SPEED).default(1),
});

export const clientMessageSchemas = {
  enter: enterSchema,
  move: moveSchema,
  build: buildSchema,
  leave: leaveSchema,
  refresh: refreshSchema,
  say: saySchema,
  replay: replaySchema,
} as const;

export type ClientMessageType = keyof typeof clientMessageSchemas;
export type EnterMessage = z.infer<typeof enterSchema>;
export type MoveMessage = z.infer<typeof moveSchema>;
export type BuildMessage = z.infer<typeof buildSchema>;
export type BuildOp = z.infer<typeof buildOpSchema>;
export type PlaceOp = z.infer<typeof placeOpSchema>;
export type LeaveMessage = z.infer<typeof leaveSchema>;
export type RefreshMessage = z.infer<typeof refreshSchema>;
export type SayMessage = z.infer<typeof saySchema>;
export type ReplayMessage = z.infer<typeof replaySchema>;
export type ClientMessage =
  EnterMessage | MoveMessage | BuildMessage | LeaveMessage | RefreshMessage | SayMessage | ReplayMessage;
/** What a client may send before defaults are applied (e.g. `as` may be left out). */
export type ClientMessageInput = z.input<(typeof clientMessageSchemas)[ClientMessageType]>;

export function isClientMessageType(t: unknown): t is ClientMessageType {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(clientMessageSchemas, t);
}

// ---- Server → client shapes -------------------------------------------------------------------

export interface Member {
  userId: string;
  name: string;
  x: number;
  y: number;
  role: Role;
}

export interface WelcomeMessage {
  type: 'welcome';
  id?: string;
  roomId: string;
  seq: number;
  /** Changes when the room's live state was lost and began again; `seq` counts within one epoch. */
  epoch: string;
  you: { userId: string; role: Role; owner: boolean };
  map: RoomMap;
  members: Member[];
  spectators: number;
  /** Present on a resume: true when the missed events follow, false when the gap was too old. */
  resumed?: boolean;
  /** `lagging`: unrequested, the room afresh for a socket that fell behind (its events were dropped). */
  reason?: 'lagging';
  /** The room's last chat lines (at most 50), oldest first; always sent by this server. */
  chat?: SaidEvent[];
  /** A replay's welcome: the room as it was at the replay's point, whose events follow paced. */
  replay?: true;
  /** On a replay's welcome: the server time of that point (ISO-8601). */
  at?: string;
}

export interface EnteredEvent {
  type: 'entered';
  roomId: string;
  seq: number;
  member: Member;
}
export interface MovedEvent {
  type: 'moved';
  id?: string;
  roomId: string;
  seq: number;
  userId: string;
  x: number;
  y: number;
  dir: Direction;
}
export interface BuiltEvent {
  type: 'built';
  roomId: string;
  seq: number;
  map: RoomMap;
  members: Member[];
}
export interface LeftEvent {
  type: 'left';
  roomId: string;
  seq: number;
  userId: string;
  reason: LeaveReason;
}
/** A message pushed into the room by an admin or its owner (HTTP API); it takes a seq like any event. */
export interface NoticeEvent {
  type: 'notice';
  roomId: string;
  seq: number;
  text: string;
  from: { userId: string; name: string };
}
/** A chat line; the sender's own copy carries the `id` of its `say`. `at` is the server's ISO-8601 time. */
export interface SaidEvent {
  type: 'said';
  id?: string;
  roomId: string;
  seq: number;
  userId: string;
  name: string;
  text: string;
  at: string;
}
export type RoomEvent = EnteredEvent | MovedEvent | BuiltEvent | LeftEvent | NoticeEvent | SaidEvent;

export interface AckMessage {
  type: 'ack';
  id: string;
}
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
  id?: string;
  [extra: string]: unknown;
}
export interface ReplacedMessage {
  type: 'replaced';
  message: string;
}
/** Sent just before the server closes the socket with 4003: an admin or the room's owner removed this avatar. */
export interface KickedMessage {
  type: 'kicked';
  roomId: string;
  message: string;
}

/** A replay sent every event it had: `seq` is the last one's (the welcome's when none followed). */
export interface ReplayEndMessage {
  type: 'replay-end';
  roomId: string;
  seq: number;
}

export type ServerMessage =
  WelcomeMessage | RoomEvent | AckMessage | ErrorMessage | ReplacedMessage | KickedMessage | ReplayEndMessage;
