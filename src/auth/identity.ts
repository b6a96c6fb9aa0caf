/** Who is on the other end of a socket, as proven by the handshake token. */
export interface Identity {
  userId: string;
  name: string;
  /** Present only on tokens that carry `"role": "admin"` (minted with `npm run token -- <id> --admin`). */
  role?: 'admin';
  /** When the token ends (its `exp`, in ms since the epoch): a socket lives until then, or until it refreshes. */
  expiresAt?: number;
}
