/** Who is on the other end of a socket, as proven by the handshake token. */
export interface Identity {
  userId: string;
  name: string;
}
