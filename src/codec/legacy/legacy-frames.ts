import { z } from 'zod';
import { DIRECTIONS, idString, type MoveMessage } from '../../protocol/messages';

/**
 * The frames of the lobby server this one replaces (docs/LEGACY-PROTOCOL.md): text frames
 * `<2-digit code><JSON>`, e.g. `20{"direction":1}`. Its clients keep working unchanged at
 * `/library`; this file is the edge of that dialect: every client frame is parsed and validated
 * here, once, into a request the legacy gateway turns into v1 room calls.
 */

/** Where the original clients connect: their server's endpoint, kept so they need no change. */
export const LEGACY_PATH = '/library';

export const LegacyCode = {
  ENTER: '10',
  SYNC: '11',
  LEAVE: '19',
  MOVE: '20',
  BUILD: '40',
  REPLACED: '98',
  ERROR: '99',
} as const;
export type LegacyCode = (typeof LegacyCode)[keyof typeof LegacyCode];

/** The original clients sent numbers where we use strings (room and user ids): both are read. */
const legacyId = z.union([idString, z.number().int().nonnegative().transform(String).pipe(idString)]);
const cell = z.number().int().min(0).max(10_000);
/** A desired map holds at most one object per cell of the largest map we serve; frames are small anyway. */
const MAX_LEGACY_OBJECTS = 1000;

/** The map in the original shape: games keyed by game id, other objects by object id (`name` is the kind). */
export const legacyMapSchema = z.object({
  side: z.number().int().min(1).max(10_000),
  gameList: z.array(z.string()).max(MAX_LEGACY_OBJECTS).optional(),
  objectList: z.array(z.string()).max(MAX_LEGACY_OBJECTS).optional(),
  games: z
    .record(
      z.string().regex(/^[1-9][0-9]{0,8}$/, 'game ids are positive integers'),
      z.object({ name: z.string().max(100).optional(), x: cell, y: cell }),
    )
    .default({})
    .refine((g) => Object.keys(g).length <= MAX_LEGACY_OBJECTS, 'too many games'),
  objects: z
    .record(z.string().min(1).max(64), z.object({ name: z.string().min(1).max(32), x: cell, y: cell }))
    .default({})
    .refine((o) => Object.keys(o).length <= MAX_LEGACY_OBJECTS, 'too many objects'),
});
export type LegacyMap = z.infer<typeof legacyMapSchema>;

const enterPayload = z.object({
  room_id: legacyId,
  // The original clients sent the bare token; some sent it as an Authorization header value.
  authorization: z
    .string()
    .min(1)
    .max(4096)
    .transform((t) => t.replace(/^Bearer\s+/i, '')),
});
const movePayload = z.object({ direction: z.number().int().min(0).max(3) });
const buildPayload = z.object({ map: legacyMapSchema });
const emptyPayload = z.object({});

/**
 * A client frame, validated: a v1 message where the original frame means exactly one (`20` is a
 * `move`), else a request of this dialect for the legacy gateway.
 */
export type LegacyRequest =
  | { type: 'legacy.enter'; roomId: string; token: string }
  | MoveMessage
  | { type: 'legacy.build'; map: LegacyMap }
  | { type: 'legacy.sync' }
  | { type: 'legacy.leave' };

export type ParsedLegacyFrame = { ok: true; request: LegacyRequest } | { ok: false; message: string };

/** Client frame codes and how each payload is read. */
const requests: Record<string, (payload: unknown) => ParsedLegacyFrame> = {
  [LegacyCode.ENTER]: (p) =>
    check(enterPayload, p, (e) => ({ type: 'legacy.enter', roomId: e.room_id, token: e.authorization })),
  [LegacyCode.MOVE]: (p) => check(movePayload, p, (m) => ({ type: 'move', dir: DIRECTIONS[m.direction] })),
  [LegacyCode.BUILD]: (p) => check(buildPayload, p, (b) => ({ type: 'legacy.build', map: b.map })),
  [LegacyCode.SYNC]: (p) => check(emptyPayload, p, () => ({ type: 'legacy.sync' })),
  [LegacyCode.LEAVE]: (p) => check(emptyPayload, p, () => ({ type: 'legacy.leave' })),
};

/** `<2-digit code><JSON object>`; an empty body reads as `{}` (`19` alone is a leave). */
export function parseLegacyFrame(text: string): ParsedLegacyFrame {
  const code = text.slice(0, 2);
  if (!/^[0-9]{2}$/.test(code)) return refuse('a frame starts with a 2-digit code');
  const read = Object.hasOwn(requests, code) ? requests[code] : undefined;
  if (!read) return refuse(`unknown code ${code}`);
  const body = text.slice(2).trim();
  let payload: unknown = {};
  if (body !== '') {
    try {
      payload = JSON.parse(body);
    } catch {
      return refuse(`${code}: the payload is not valid JSON`);
    }
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return refuse(`${code}: the payload must be a JSON object`);
  return read(payload);
}

export function formatLegacyFrame(code: LegacyCode, payload: object): string {
  return code + JSON.stringify(payload);
}

function check<S extends z.ZodTypeAny>(
  schema: S,
  payload: unknown,
  toRequest: (value: z.infer<S>) => LegacyRequest,
): ParsedLegacyFrame {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { ok: true, request: toRequest(parsed.data) };
  const issue = parsed.error.issues[0];
  return refuse(`${issue.path.join('.') || '(payload)'}: ${issue.message}`);
}

function refuse(message: string): ParsedLegacyFrame {
  return { ok: false, message };
}
