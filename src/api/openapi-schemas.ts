import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type SchemaObject } from '@nestjs/swagger';

/**
 * Response shapes for the OpenAPI document, written once here (the API's types live in
 * api-types.ts and the bodies' validation in zod schemas; these describe the same shapes).
 */

const str: SchemaObject = { type: 'string' };
const int: SchemaObject = { type: 'integer' };
const user: SchemaObject = { type: 'object', properties: { userId: str, name: str }, required: ['userId', 'name'] };

export const problemSchema: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json)',
  properties: {
    type: { type: 'string', example: 'urn:myroom:problem:not-found' },
    title: { type: 'string', example: 'Not Found' },
    status: { type: 'integer', example: 404 },
    detail: { type: 'string' },
    code: {
      type: 'string',
      description:
        'as in the WebSocket protocol where one fits: BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, ROOM_NOT_FOUND, NOT_IN_ROOM, RATE_LIMITED, UNAVAILABLE…',
    },
    field: { type: 'string', description: '400 only: the body field or parameter to blame' },
  },
  required: ['type', 'title', 'status', 'detail', 'code'],
};

const member: SchemaObject = {
  type: 'object',
  properties: { userId: str, name: str, x: int, y: int, role: { type: 'string', enum: ['player'] } },
};
const map: SchemaObject = {
  type: 'object',
  properties: {
    version: int,
    width: int,
    height: int,
    objects: {
      type: 'array',
      items: { type: 'object', properties: { id: str, kind: str, x: int, y: int, w: int, h: int, gameId: int } },
    },
  },
};

export const roomsSchema: SchemaObject = {
  type: 'object',
  description: 'admin: every room with live players, with the live fields; others: the room directory (roomId, owner)',
  properties: {
    rooms: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          roomId: str,
          owner: user,
          players: { type: 'integer', description: 'admin only' },
          spectators: { type: 'integer', description: 'admin only' },
          seq: { type: 'integer', description: "admin only: the room's last seq" },
          version: { type: 'integer', nullable: true, description: 'admin only: the map version' },
          instances: { type: 'array', items: str, description: 'admin only: instances holding its sessions' },
        },
        required: ['roomId', 'owner'],
      },
    },
  },
};

export const roomStateSchema: SchemaObject = {
  type: 'object',
  properties: { roomId: str, seq: int, map, members: { type: 'array', items: member }, spectators: int },
};

export const noticeAcceptedSchema: SchemaObject = { type: 'object', properties: { roomId: str, seq: int } };
export const kickAcceptedSchema: SchemaObject = { type: 'object', properties: { roomId: str, userId: str, seq: int } };

export const roomAccessSchema: SchemaObject = {
  type: 'object',
  properties: {
    roomId: str,
    mode: { type: 'string', enum: ['public', 'private'] },
    allow: { type: 'array', items: str },
    banned: { type: 'array', items: str },
  },
};

export const banSchema: SchemaObject = {
  type: 'object',
  properties: { roomId: str, userId: str, banned: { type: 'boolean' }, kickedSeq: int },
};

export const instancesSchema: SchemaObject = {
  type: 'object',
  properties: {
    instances: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          instanceId: str,
          startedAt: { type: 'string', format: 'date-time' },
          sessions: int,
          rooms: int,
          leaseEpoch: { type: 'string', nullable: true },
          draining: { type: 'boolean' },
          eventLoopLagMs: { type: 'number', description: 'p99 event-loop delay over the last heartbeat' },
          brokerLagMs: {
            type: 'number',
            nullable: true,
            description: 'publish-to-delivery delay of the last event from another instance',
          },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
};

export const drainAcceptedSchema: SchemaObject = {
  type: 'object',
  properties: { instanceId: str, draining: { type: 'boolean' } },
};

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'bad body or parameter; `field` names it',
  401: 'no token, or an invalid or expired one',
  403: "not allowed: not an admin (or, for room actions, not the room's owner)",
  404: 'no such room or instance (kick: the user has no avatar in the room)',
  429: 'too many requests from this user; see Retry-After',
  503: 'Redis, the database or the broker is unavailable; nothing was changed',
};

/** Documents the problem answers a route may give. */
export const ApiProblems = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: PROBLEM_DESCRIPTIONS[status], schema: problemSchema }),
    ),
  );

export const chatPageSchema: SchemaObject = {
  type: 'object',
  properties: {
    roomId: str,
    chat: {
      type: 'array',
      description: "oldest first; to page further back, pass the first line's seq as `before`",
      items: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['said'] },
          roomId: str,
          seq: int,
          userId: str,
          name: str,
          text: { type: 'string', description: 'plain text, never markup' },
          at: { type: 'string', format: 'date-time' },
        },
        required: ['type', 'roomId', 'seq', 'userId', 'name', 'text', 'at'],
      },
    },
  },
  required: ['roomId', 'chat'],
};
