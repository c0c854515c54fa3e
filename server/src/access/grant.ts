/** The right a socket came in with, kept on its Connection so revocation can find it. */
export type ConnectAccess = {
  readonly role: 'view' | 'edit' | 'owner'
  /**
   * How: a share link (revoked when the board's key epoch moves past `epoch`), the board owner's
   * token, or no token on an open board (closed when the board becomes link-only).
   */
  readonly via: 'link' | 'owner' | 'open'
  /** The key epoch a link was signed under; null for the other two. */
  readonly epoch: number | null
  /**
   * When the token expires (Unix milliseconds), null for never and without a token: the server
   * closes the socket then, as a new one with the same token would be refused.
   */
  readonly expiresAt: number | null
}
