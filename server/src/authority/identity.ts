import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Who a socket is, as the server vouches for it. A session has a public id (others see it as a
 * lease's `holderId` and in awareness) and a secret, `resume`, that only its own tab holds: the
 * public id plus an HMAC of room and id under a key derived from the server's secret. Nothing is
 * stored, so a resume stays valid across server restarts for as long as the secret does, and a
 * session id seen in a broadcast is worth nothing without it.
 */
export class SessionKeys {
  constructor(
    /** `deriveKey(server.secret, 'resume')`. */
    private readonly key: Uint8Array,
  ) {}

  /** A new session in `room`. */
  issue(room: string): { sessionId: string; resume: string } {
    const sessionId = randomBytes(SESSION_ID_BYTES).toString('base64url')
    return { sessionId, resume: `${sessionId}.${this.sign(room, sessionId)}` }
  }

  /** The session a resume secret continues in `room`, or null if it is not one of ours for it. */
  resume(room: string, secret: string): { sessionId: string; resume: string } | null {
    const dot = secret.indexOf('.')
    if (dot < 0) return null
    const sessionId = secret.slice(0, dot)
    if (!SESSION_ID_PATTERN.test(sessionId)) return null
    const given = Buffer.from(secret.slice(dot + 1))
    const expected = Buffer.from(this.sign(room, sessionId))
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    return { sessionId, resume: secret }
  }

  private sign(room: string, sessionId: string): string {
    return createHmac('sha256', this.key).update(`${room}\n${sessionId}`).digest('base64url')
  }
}

const SESSION_ID_BYTES = 16
/** 16 random bytes in base64url, no padding. */
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

export const MAX_NAME_LENGTH = 64
export const DEFAULT_NAME = 'anonymous'

/**
 * A display name as others will see it: control and format characters (bidi overrides, zero-width
 * joiners) removed, whitespace trimmed, at most {@link MAX_NAME_LENGTH} characters.
 */
export function normaliseName(name: string | undefined): string {
  const clean = (name ?? '').replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '').trim()
  const chars = [...clean]
  const cut = chars.length > MAX_NAME_LENGTH ? chars.slice(0, MAX_NAME_LENGTH).join('').trim() : clean
  return cut || DEFAULT_NAME
}

const COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/

/** Colours the server picks from for a session that sent none, or one that is not `#rrggbb`. */
export const SESSION_COLORS = [
  '#e03131',
  '#c2255c',
  '#9c36b5',
  '#6741d9',
  '#3b5bdb',
  '#1971c2',
  '#0c8599',
  '#099268',
  '#2f9e44',
  '#66a80f',
  '#e8590c',
  '#f08c00',
] as const

/** The colour shown with a session's name: its own if it is `#rrggbb`, else one from its id. */
export function normaliseColor(color: string | undefined, sessionId: string): string {
  if (color !== undefined && COLOR_PATTERN.test(color)) return color.toLowerCase()
  let h = 0
  for (const ch of sessionId) h = (h * 31 + ch.charCodeAt(0)) >>> 0
  return SESSION_COLORS[h % SESSION_COLORS.length]!
}
