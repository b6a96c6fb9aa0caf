/** WebSocket close codes of PROTOCOL.md §4. */
export const CloseCode = {
  NORMAL: 1000,
  POLICY_VIOLATION: 1008,
  TOO_LARGE: 1009,
  RESTARTING: 1012,
  REPLACED: 4001,
  KICKED: 4003,
  /** The session's token reached its `exp` and no `refresh` moved the deadline. */
  TOKEN_EXPIRED: 4004,
} as const;
