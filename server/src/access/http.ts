import { timingSafeEqual } from 'node:crypto'
import express, { type NextFunction, type Request, type Response } from 'express'
import { z } from 'zod'
import { isValidRoomId } from '@easel/shared'
import type { AccessControl } from './AccessControl.ts'
import type { Role } from './tokens.ts'

/** Longest a share link may live: a year (a link that never expires has no `exp` at all). */
const MAX_LINK_SECONDS = 365 * 24 * 3600

const linkRequest = z.strictObject({
  role: z.enum(['view', 'edit']),
  expiresInSec: z.number().int().min(1).max(MAX_LINK_SECONDS).optional(),
})
const modeRequest = z.strictObject({ mode: z.enum(['open', 'link']) })

/** Compares secrets in time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization
  if (!header?.startsWith('Bearer ')) return undefined
  return header.slice('Bearer '.length).trim() || undefined
}

/**
 * Guards an admin endpoint: 404 while no admin token is configured (the endpoint does not
 * exist), 401 for a missing or wrong bearer token.
 */
export function adminOnly(adminToken: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (adminToken === undefined) {
      res.status(404).json({ error: 'not found' })
      return
    }
    const given = bearer(req)
    if (given === undefined || !sameSecret(given, adminToken)) {
      res.status(401).json({ error: 'admin token required' })
      return
    }
    next()
  }
}

export type AccessRoutesDeps = {
  access: AccessControl
  adminToken: string | undefined
  /** Closes the room's sockets whose right no longer holds; called after every change. */
  recheck(room: string): void
  /**
   * Whether the board has a document: anything stored for it, or shapes in it while loaded. An
   * unowned board without one is new, and whoever creates it may claim it whatever its mode.
   */
  hasDocument(room: string): Promise<boolean>
}

/** Why a view link is refused on an open board: the bare board URL (in the link) edits anyway. */
export const VIEW_LINK_NEEDS_LINK_MODE =
  'a view link needs the board to be link-only first: on an open board anyone with its address can edit'

/**
 * The board access API:
 * - `GET /api/boards/:room/access` → `{ mode, owned, role, reason }`
 * - `POST /api/boards/:room/claim` → 201 `{ ownerToken }` (an unowned board that is open or new)
 * - `POST /api/boards/:room/links` `{ role, expiresInSec? }` → `{ token, expiresAt }` (owner, admin;
 *   409 for a view link while the board is open)
 * - `POST /api/boards/:room/revoke` → `{ epoch }` (owner, admin)
 * - `PUT /api/boards/:room/mode` `{ mode }` → `{ mode }` (owner, admin)
 */
export function accessRoutes({ access, adminToken, recheck, hasDocument }: AccessRoutesDeps): express.Router {
  const router = express.Router()
  router.use(express.json({ limit: '1kb' }))

  const isAdmin = (req: Request) => {
    const token = bearer(req)
    return adminToken !== undefined && token !== undefined && sameSecret(token, adminToken)
  }

  /** The role the request's bearer token gives (admin counts as owner), or why it gives none. */
  const roleOf = async (
    req: Request,
    room: string,
  ): Promise<{ role: Role | null; reason: string | null }> => {
    if (isAdmin(req)) return { role: 'owner', reason: null }
    const granted = await access.grant(room, bearer(req))
    if ('refused' in granted) return { role: null, reason: granted.refused }
    return { role: granted.role, reason: null }
  }

  /** The room of the path, or a 400 answered. */
  const roomOf = (req: Request, res: Response): string | null => {
    const room = req.params.room
    if (typeof room === 'string' && isValidRoomId(room)) return room
    res.status(400).json({ error: 'invalid board id' })
    return null
  }

  /** The room, if the request carries the owner's (or an admin) token; else answers 401/403. */
  const ownerRoom = async (req: Request, res: Response): Promise<string | null> => {
    const room = roomOf(req, res)
    if (room === null) return null
    if (bearer(req) === undefined) {
      res.status(401).json({ error: "the board owner's token is required" })
      return null
    }
    const { role } = await roleOf(req, room)
    if (role !== 'owner') {
      res.status(403).json({ error: 'only the board owner can do this' })
      return null
    }
    return room
  }

  router.get('/api/boards/:room/access', async (req, res) => {
    const room = roomOf(req, res)
    if (room === null) return
    const { role, reason } = await roleOf(req, room)
    res.json({ mode: access.mode(room), owned: access.store.get(room).owned, role, reason })
  })

  router.post('/api/boards/:room/claim', async (req, res) => {
    const room = roomOf(req, res)
    if (room === null) return
    if (access.store.get(room).owned) {
      res.status(409).json({ error: 'this board already has an owner' })
      return
    }
    // A link-only board with content is someone's: only an admin may hand it an owner. A new one
    // (nothing stored, nothing drawn) is its creator's, or nobody could create boards under
    // `--access link`.
    if (access.mode(room) !== 'open' && !isAdmin(req) && (await hasDocument(room))) {
      res.status(403).json({ error: 'this board needs a share link' })
      return
    }
    if (!access.store.claim(room)) {
      res.status(409).json({ error: 'this board already has an owner' })
      return
    }
    const ownerToken = await access.tokens.sign({ board: room, role: 'owner', epoch: null })
    res.status(201).json({ ownerToken })
  })

  router.post('/api/boards/:room/links', async (req, res) => {
    const room = await ownerRoom(req, res)
    if (room === null) return
    const body = linkRequest.safeParse(req.body)
    if (!body.success) {
      res.status(400).json({ error: z.prettifyError(body.error) })
      return
    }
    const { role, expiresInSec } = body.data
    if (role === 'view' && access.mode(room) === 'open') {
      res.status(409).json({ error: VIEW_LINK_NEEDS_LINK_MODE })
      return
    }
    // Whole seconds (JWT `exp`), rounded up: a link lasts at least as long as asked (a 1 s link
    // rounded down could expire before its first use).
    const expiresAt = expiresInSec === undefined ? null : Math.ceil(Date.now() / 1000) + expiresInSec
    const token = await access.tokens.sign(
      { board: room, role, epoch: access.store.get(room).epoch },
      expiresAt ?? undefined,
    )
    res.json({ token, expiresAt: expiresAt === null ? null : new Date(expiresAt * 1000).toISOString() })
  })

  router.post('/api/boards/:room/revoke', async (req, res) => {
    const room = await ownerRoom(req, res)
    if (room === null) return
    const epoch = access.store.revoke(room)
    recheck(room)
    res.json({ epoch })
  })

  router.put('/api/boards/:room/mode', async (req, res) => {
    const room = await ownerRoom(req, res)
    if (room === null) return
    const body = modeRequest.safeParse(req.body)
    if (!body.success) {
      res.status(400).json({ error: z.prettifyError(body.error) })
      return
    }
    access.store.setMode(room, body.data.mode)
    recheck(room)
    res.json({ mode: body.data.mode })
  })

  // A body that is not JSON, or too large: answered as JSON like every other error here.
  router.use(
    (err: { status?: number; message?: string }, _req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(err)
      const status = err.status !== undefined && err.status >= 400 && err.status < 500 ? err.status : 500
      res.status(status).json({ error: status === 500 ? 'internal error' : (err.message ?? 'bad request') })
    },
  )
  return router
}
