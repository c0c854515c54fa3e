import { errors, jwtVerify, SignJWT } from 'jose'
import { z } from 'zod'
import { deriveKey } from './secret.ts'

/** What a token lets its holder do on one board. */
export type Role = 'view' | 'edit' | 'owner'

const claimsSchema = z.object({
  /** Board id. */
  b: z.string(),
  r: z.enum(['view', 'edit', 'owner']),
  /** Key epoch of the board when a view or edit link was made; absent on owner tokens. */
  e: z.number().int().min(0).optional(),
})

export type LinkClaims = { board: string; role: Role; epoch: number | null }
/** A checked token's claims, with when it expires (Unix seconds; null for never). */
export type VerifiedClaims = LinkClaims & { expiresAtSec: number | null }

/** Why a token was not accepted, in words a person reads in the app. */
export const REFUSALS = {
  needsLink: 'this board needs a share link',
  expired: 'this link has expired',
  revoked: 'this link was revoked',
  otherBoard: 'this link is for another board',
  invalid: 'this link is not valid',
  /** Closing a socket that came in without a link when its board turned link-only. */
  nowNeedsLink: 'this board now needs a share link',
} as const
export type Refusal = (typeof REFUSALS)[keyof typeof REFUSALS]

/**
 * Signs and checks board tokens: HS256 JWTs under a key derived from the server secret for this
 * purpose only, so nothing else the server signs can pass as a link.
 */
export class LinkTokens {
  private readonly key: Uint8Array

  constructor(secret: Uint8Array) {
    this.key = deriveKey(secret, 'links')
  }

  /**
   * A view or edit link bound to the board's current key epoch, or (role `owner`, epoch null) the
   * owner token. Owner tokens carry no epoch on purpose: revoking links never locks the owner out.
   */
  async sign(claims: LinkClaims, expiresAtSec?: number): Promise<string> {
    const payload: z.input<typeof claimsSchema> = { b: claims.board, r: claims.role }
    if (claims.role !== 'owner' && claims.epoch !== null) payload.e = claims.epoch
    const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setIssuedAt()
    if (expiresAtSec !== undefined) jwt.setExpirationTime(expiresAtSec)
    return jwt.sign(this.key)
  }

  /** The token's claims, or why it is refused (signature, expiry, shape; not the board or epoch). */
  async verify(token: string): Promise<VerifiedClaims | { refused: Refusal }> {
    let payload: unknown
    try {
      ;({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] }))
    } catch (err) {
      return { refused: err instanceof errors.JWTExpired ? REFUSALS.expired : REFUSALS.invalid }
    }
    const parsed = claimsSchema.safeParse(payload)
    if (!parsed.success) return { refused: REFUSALS.invalid }
    const { b, r, e } = parsed.data
    if (r !== 'owner' && e === undefined) return { refused: REFUSALS.invalid }
    // jose checked `exp` is a number when present.
    const exp = typeof payload === 'object' && payload !== null && 'exp' in payload ? payload.exp : undefined
    return {
      board: b,
      role: r,
      epoch: r === 'owner' ? null : (e ?? null),
      expiresAtSec: typeof exp === 'number' ? exp : null,
    }
  }
}
