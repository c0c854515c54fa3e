import type { Awareness } from 'y-protocols/awareness'
import type { Box, Vec } from './geometry.ts'
import type { Peer, PresenceState, User } from './types.ts'

export type PresenceContext = {
  awareness: Awareness | null
  user: User
  selection(): string[]
  viewport(): Box
  /** Moves the camera to show a followed peer's viewport. */
  show(viewport: Box): void
  onChange(): void
  /** Minimum interval between awareness publications, in ms. */
  intervalMs: number
}

/**
 * Selected ids published at most: a board-wide selection (thousands of shapes) would make every
 * presence update huge, and the server drops awareness frames over its cap (32 KiB by default;
 * 500 generated ids are about 12 KiB). Peers only draw selection outlines with it.
 */
export const MAX_PUBLISHED_SELECTION = 500

/**
 * This user's cursor, selection and viewport published through awareness; the other users' read
 * back. A peer's name and colour are the server's stamp (`state.user`, set from the peer's
 * session), never what the peer wrote into its own state.
 */
export class Presence {
  peers: Peer[] = []
  /** Peer this user follows (their viewport drives our camera), by awareness client id. */
  followingId: number | null = null
  private cursor: Vec | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private lastAt = 0

  constructor(private readonly ctx: PresenceContext) {
    if (ctx.awareness) {
      ctx.awareness.on('change', this.onAwarenessChange)
      this.publish(true)
    }
  }

  setCursor(p: Vec | null): void {
    this.cursor = p
    this.publish()
  }

  /** Publishes this user's presence, at most once per interval (trailing call kept). */
  publish(immediate = false): void {
    const { awareness } = this.ctx
    if (!awareness) return
    const now = Date.now()
    const wait = this.ctx.intervalMs - (now - this.lastAt)
    if (!immediate && wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = null
        this.publish(true)
      }, wait)
      return
    }
    this.lastAt = now
    const state: PresenceState = {
      user: this.ctx.user,
      cursor: this.cursor,
      selection: this.ctx.selection().slice(0, MAX_PUBLISHED_SELECTION),
      viewport: this.ctx.viewport(),
    }
    awareness.setLocalStateField('presence', state)
  }

  follow(clientId: number | null): void {
    this.followingId = clientId
    const peer = this.peers.find((p) => p.clientId === clientId)
    if (peer?.viewport) this.ctx.show(peer.viewport)
    this.ctx.onChange()
  }

  private readonly onAwarenessChange = () => {
    const { awareness } = this.ctx
    if (!awareness) return
    const peers: Peer[] = []
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === awareness.clientID) continue
      const p = state.presence as PresenceState | undefined
      const user = stampedUser(state.user)
      if (p && user) peers.push({ ...p, user, clientId })
    }
    this.peers = peers
    const followed = this.followingId === null ? null : peers.find((p) => p.clientId === this.followingId)
    if (this.followingId !== null && !followed) this.followingId = null
    if (followed?.viewport) this.ctx.show(followed.viewport)
    this.ctx.onChange()
  }

  destroy(): void {
    this.ctx.awareness?.off('change', this.onAwarenessChange)
    if (this.timer) clearTimeout(this.timer)
  }
}

/** The server's stamp on a peer's awareness state: `{ name, color, sessionId }`. */
function stampedUser(stamp: unknown): User | null {
  if (typeof stamp !== 'object' || stamp === null) return null
  const { name, color, sessionId } = stamp as Record<string, unknown>
  if (typeof name !== 'string' || typeof color !== 'string' || typeof sessionId !== 'string') return null
  return { id: sessionId, name, color }
}
