import type { ConnectAccess } from './grant.ts'
import type { AccessMode, AccessStore } from './AccessStore.ts'
import { type LinkTokens, REFUSALS, type Refusal } from './tokens.ts'

/**
 * Decides what a token (or none) gives on a board, and whether a right granted earlier still
 * holds after the board's mode or key epoch changed.
 */
export class AccessControl {
  constructor(
    readonly store: AccessStore,
    readonly tokens: LinkTokens,
    /** Mode of boards without their own (`config.access`). */
    private readonly defaultMode: AccessMode,
  ) {}

  mode(room: string): AccessMode {
    return this.store.get(room).mode ?? this.defaultMode
  }

  /**
   * The right `token` gives on `room`. Without a token an open board gives `edit` and a link-only
   * one nothing. A token that is present but not valid is refused even on an open board, so a
   * person whose link was revoked learns it rather than silently editing as anyone.
   */
  async grant(room: string, token: string | undefined): Promise<ConnectAccess | { refused: Refusal }> {
    if (token === undefined || token === '') {
      if (this.mode(room) === 'open') return { role: 'edit', via: 'open', epoch: null, expiresAt: null }
      return { refused: REFUSALS.needsLink }
    }
    const claims = await this.tokens.verify(token)
    if ('refused' in claims) return claims
    if (claims.board !== room) return { refused: REFUSALS.otherBoard }
    // Owner tokens are not bound to the key epoch: revoking links never locks the owner out.
    const expiresAt = claims.expiresAtSec === null ? null : claims.expiresAtSec * 1000
    if (claims.role === 'owner') return { role: 'owner', via: 'owner', epoch: null, expiresAt }
    // Read after the await: a revoke that landed meanwhile is seen.
    if (claims.epoch !== this.store.get(room).epoch) return { refused: REFUSALS.revoked }
    return { role: claims.role, via: 'link', epoch: claims.epoch, expiresAt }
  }

  /** Why a right granted earlier no longer holds, or null while it does. */
  revoked(room: string, access: ConnectAccess): Refusal | null {
    if (access.via === 'link' && access.epoch !== this.store.get(room).epoch) return REFUSALS.revoked
    if (access.via === 'open' && this.mode(room) !== 'open') return REFUSALS.nowNeedsLink
    return null
  }
}
