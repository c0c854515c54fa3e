/** The board access API of the server (`/api/boards/<room>/...`), as the app uses it. */

export type Role = 'view' | 'edit' | 'owner'
export type AccessMode = 'open' | 'link'

/** What the server says about a board and the token this page holds. */
export type BoardAccessInfo = {
  mode: AccessMode
  owned: boolean
  /** What the token (or, without one, the board being open) gives; null for nothing. */
  role: Role | null
  /** Why the token gives nothing, in words. */
  reason: string | null
}

async function call<T>(
  method: string,
  room: string,
  what: string,
  token: string | null,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`/api/boards/${encodeURIComponent(room)}/${what}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = (await res.json().catch(() => ({}))) as { error?: string }
  if (!res.ok) throw new Error(json.error ?? `the server answered ${res.status}`)
  return json as T
}

export const fetchAccess = (room: string, token: string | null) =>
  call<BoardAccessInfo>('GET', room, 'access', token)

const claims = new Map<string, Promise<string | null>>()

/**
 * Claims a board this browser just created: the owner token, or null when someone else owns it
 * or the server refused. One request per room and page, however often it is asked.
 */
export function claimBoard(room: string): Promise<string | null> {
  let claim = claims.get(room)
  if (!claim) {
    claim = call<{ ownerToken: string }>('POST', room, 'claim', null).then(
      (r) => r.ownerToken,
      () => null,
    )
    claims.set(room, claim)
  }
  return claim
}

/** Whether this page already asked to claim `room` (the answer may still be on its way). */
export const claimAsked = (room: string): boolean => claims.has(room)

export const createLink = (room: string, owner: string, role: 'view' | 'edit', expiresInSec?: number) =>
  call<{ token: string; expiresAt: string | null }>('POST', room, 'links', owner, { role, expiresInSec })

export const revokeLinks = (room: string, owner: string) =>
  call<{ epoch: number }>('POST', room, 'revoke', owner)

export const setAccessMode = (room: string, owner: string, mode: AccessMode) =>
  call<{ mode: AccessMode }>('PUT', room, 'mode', owner, { mode })
