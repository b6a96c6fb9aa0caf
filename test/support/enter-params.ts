import type { EnterParams } from '../../src/state/room-state.port';

/** What an enter hands the room state, for the state's own tests: user `u` is named `user<u>`. */
export function entering(
  userId: string,
  sessionId: string,
  role: EnterParams['role'] = 'player',
  instanceId = 'i1',
  spawn = { x: 0, y: 0 },
): EnterParams {
  return { userId, name: `user${userId}`, sessionId, instanceId, role, spawn };
}
